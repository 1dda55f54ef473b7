"""The shipped nginx configuration in front of gunicorn (scripts/serve-loopback.sh), on free
loopback ports against a copy of the test's database: an anonymous page is served from the
cache the second time with the same bytes; a request with a session cookie always bypasses
it and what a member sees is never stored; a publication is on the cached page within
PUBLIC_SECONDS + 1 s."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from gongkai.conftest import client_for
from gongkai.disclosures import workflow
from gongkai.disclosures.tests.conftest import CHECKLIST, item_key
from gongkai.portal.tests.conftest import published
from gongkai.web.caching import PUBLIC_SECONDS

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "serve-loopback.sh"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = [
    pytest.mark.loopback,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite" or not os.access(NGINX, os.X_OK),
        reason="needs nginx, and SQLite (the servers read a copy of the test database)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Site:
    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.port, self.env = port, env

    def get(self, path: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = c.getresponse()
        body = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        c.close()
        return response.status, headers, body

    def run(self, code: str) -> None:
        """Python against the served database, as another process of the site would."""
        prelude = "import django\ndjango.setup()\n"
        subprocess.run(
            [sys.executable, "-c", prelude + textwrap.dedent(code)],
            env=self.env,
            cwd=ROOT,
            check=True,
            timeout=60,
        )


@pytest.fixture
def planted(people, tree, draft, village_catalog) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    shown = published(people, draft)
    pending = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="新的监督电话公告",
        body="<p>新号码</p>",
    )
    workflow.submit(pending, actor=people.clerk)
    workflow.review(pending, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(pending, actor=people.reviewer)
    session = client_for(people.member).cookies[settings.SESSION_COOKIE_NAME].value
    return {"shown": shown, "pending": pending, "session": session}


@pytest.fixture
def site(planted, tmp_path) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    database = tmp_path / "site.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(database)
    connection.connection.backup(copy)
    copy.close()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GONGKAI_", "DATABASE_"))},
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "gongkai.devtools.bench_settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "GONGKAI_VAR_DIR": str(tmp_path),
        "GONGKAI_PROFILE": "development",
        "GONGKAI_TASK_BACKEND": "database",
        "GONGKAI_LEDGER_KEY_FILE": str(settings.GONGKAI_LEDGER_KEY_FILE),
        "GONGKAI_LEDGER_NAME": settings.GONGKAI_LEDGER_NAME,
        # The test's key: the member's session (and its password hash) check out.
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
        "GK_PYTHON": sys.executable,
    }
    nginx_port, gunicorn_port = free_port(), free_port()
    server = subprocess.Popen(
        [str(SCRIPT), str(nginx_port), str(gunicorn_port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("serving http://127.0.0.1:"), line
        yield Site(nginx_port, env)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_nginx_caches_anonymous_pages_never_a_members_and_never_for_long(
    site: Site, planted
) -> None:  # type: ignore[no-untyped-def]
    status, first_headers, first = site.get("/o/QS-01/")
    assert status == 200 and first_headers["x-cache-status"] in ("MISS", "EXPIRED")
    status, headers, second = site.get("/o/QS-01/")
    if headers["x-cache-status"] == "EXPIRED":  # a very slow machine: five seconds went by
        first = second
        status, headers, second = site.get("/o/QS-01/")
    assert headers["x-cache-status"] == "HIT"
    assert second == first
    assert "东岭村监督电话".encode() in second

    # With a session cookie, never from the cache and never into it.
    member = f"{settings.SESSION_COOKIE_NAME}={planted['session']}"
    for _ in range(3):
        status, headers, _body = site.get("/o/QS-02/", cookie=member)
        assert status == 200 and headers["x-cache-status"] == "BYPASS"
        assert "no-store" in headers["cache-control"] and "private" in headers["cache-control"]
    status, headers, _body = site.get("/o/QS-02/")
    assert headers["x-cache-status"] == "MISS"  # the member's answers were not stored
    # Even a made-up session cookie bypasses it: nginx cannot tell who is signed in.
    status, headers, _body = site.get("/o/QS-01/", cookie="sessionid=nobody")
    assert headers["x-cache-status"] == "BYPASS"

    # A member's own page is theirs only.
    status, headers, body = site.get("/me/", cookie=member)
    assert status == 200 and "王党员".encode() in body
    status, headers, body = site.get("/me/")
    assert status == 302 and headers.get("x-cache-status") != "HIT"
    assert "王党员".encode() not in body

    # A publication is on the cached page within the cache's lifetime (and a second).
    site.get("/o/QS-01/")
    status, headers, body = site.get("/o/QS-01/")
    assert headers["x-cache-status"] == "HIT" and "新的监督电话公告".encode() not in body
    site.run(
        f"""
        from gongkai.accounts.models import User
        from gongkai.disclosures import workflow
        from gongkai.disclosures.models import Disclosure
        workflow.publish(
            Disclosure.objects.get(pk={planted["pending"].pk}),
            actor=User.objects.get(username="clerk"),
        )
        """
    )
    published_at = time.monotonic()
    for url in ("/o/QS-01/", "/o/QS-01/feed.atom"):
        while True:
            status, headers, body = site.get(url)
            if "新的监督电话公告".encode() in body:
                break
            assert time.monotonic() - published_at <= PUBLIC_SECONDS + 1, url
            time.sleep(0.2)
    assert time.monotonic() - published_at <= PUBLIC_SECONDS + 1
