"""Shared personas and a small tree every test can speak about.

The tree (codes in brackets):

    云岭县委 [YL]                      the county committee
    ├── 青石镇党委 [QS]                  the town committee
    │   ├── 东岭村党支部 [QS-01]  (pilot)  "the village"
    │   └── 西岭村党支部 [QS-02]          "the sibling village"
    └── 白沙镇党委 [BS]                  "the other town"
        └── 白沙村党支部 [BS-01]          "the unrelated village"

People: clerk, reviewer and member of the village; the town's reviewer (the village's
superior reviewer); the town office (reaches the town's subtree); a supervisor assigned to
the town's subtree; a system administrator; an outsider with an account but no role.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from gongkai.accounts.models import User
from gongkai.organizations.models import Organization, Role
from gongkai.organizations.services import create_organization

PASSWORD = "gongkai-test-password"


@dataclass
class Tree:
    county: Organization
    town: Organization
    village: Organization
    sibling_village: Organization
    other_town: Organization
    unrelated_village: Organization


@dataclass
class People:
    clerk: User
    reviewer: User
    member: User
    superior_reviewer: User
    office: User
    supervisor: User
    admin: User
    outsider: User


IMMEDIATE_TASKS = "django_tasks.backends.immediate.ImmediateBackend"

_LEDGER_KEY = Path(tempfile.mkdtemp(prefix="gongkai-ledger-key-")) / "signing-key.pem"


@pytest.fixture(autouse=True)
def _fast_and_plain(settings):
    # Test-only speed-ups: a cheap hasher, static files without a manifest.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # One ledger signing key for the whole run, outside the working tree.
    settings.GONGKAI_LEDGER_KEY_FILE = str(_LEDGER_KEY)
    settings.GONGKAI_LEDGER_NAME = "gongkai.test"
    # Tasks run at once, in the test's process, when they are enqueued (enqueueing is on
    # commit: django_capture_on_commit_callbacks(execute=True) runs them). The settings keep
    # the real default (the database backend); gongkai/notifications/tests/test_workers.py
    # runs the real database worker and the real RQ worker in their own processes.
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE_TASKS, "QUEUES": ["default"]}}
    # Rolled-back tests reuse primary keys, so nothing cached by key may outlive a test.
    from django.core.cache import cache

    cache.clear()


def make_org(
    code: str, name: str, kind: str, parent: Organization | None, **extra: object
) -> Organization:
    return create_organization(parent=parent, code=code, name=name, kind=kind, **extra)


def make_user(username: str, display_name: str, **extra: Any) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, display_name=display_name, **extra
    )


def grant(user: User, org: Organization, kind: str, *, reaches_subtree: bool | None = None) -> Role:
    if reaches_subtree is None:
        reaches_subtree = Role.DEFAULT_REACH[kind]
    return Role.objects.create(
        user=user, organization=org, kind=kind, reaches_subtree=reaches_subtree
    )


@pytest.fixture
def tree(db) -> Tree:
    K = Organization.Kind
    county = make_org("YL", "云岭县委", K.COMMITTEE, None)
    town = make_org("QS", "青石镇党委", K.COMMITTEE, county)
    village = make_org("QS-01", "东岭村党支部", K.BRANCH, town, is_pilot=True)
    sibling = make_org("QS-02", "西岭村党支部", K.BRANCH, town)
    other_town = make_org("BS", "白沙镇党委", K.COMMITTEE, county)
    unrelated = make_org("BS-01", "白沙村党支部", K.BRANCH, other_town)
    return Tree(county, town, village, sibling, other_town, unrelated)


@pytest.fixture
def people(tree: Tree) -> People:
    R = Role.Kind
    clerk = make_user("clerk", "李文书", mobile="13800000001")
    reviewer = make_user("reviewer", "张书记")
    member = make_user("member", "王党员")
    superior = make_user("superior", "赵委员")
    office = make_user("office", "陈主任")
    supervisor = make_user("supervisor", "刘监督")
    admin = User.objects.create_superuser(
        username="admin", password=PASSWORD, display_name="系统管理员"
    )
    outsider = make_user("outsider", "路人甲")
    grant(clerk, tree.village, R.CLERK)
    grant(reviewer, tree.village, R.REVIEWER)
    grant(member, tree.village, R.MEMBER)
    grant(superior, tree.town, R.REVIEWER)
    grant(office, tree.town, R.OFFICE)
    grant(supervisor, tree.town, R.SUPERVISOR)
    return People(clerk, reviewer, member, superior, office, supervisor, admin, outsider)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) ------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, request, tmp_path_factory
):  # type: ignore[no-untyped-def]
    """A run that drives a browser gives SQLite's test database a file, as in production.

    In memory, the database cannot be opened twice, so Django's live server hands the test's
    one connection to every request thread: two requests at once (the kiosk sending a queued
    item twice) then share one transaction, and one can answer with a row the other's
    rollback removes. With a file, each request thread opens its own connection, with WAL
    and the busy timeout of the settings."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    browsing = any(item.get_closest_marker("browser") for item in request.session.items)
    if browsing and database["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path_factory.mktemp("browser-database") / "gongkai-test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(scope="session")
def chromium():  # type: ignore[no-untyped-def]
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server):  # type: ignore[no-untyped-def]
    context = chromium.new_context(locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, login: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.get_by_label("用户名或手机号").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    # Each person lands on their own start page (accounts:landing): staff on the console,
    # members and supervisors on /me/. Wait until the sign-in page is left behind.
    page.wait_for_url(lambda url: "/accounts/" not in url)


@pytest.fixture
def bench_dir(django_db_setup, django_db_blocker, settings, tmp_path):  # type: ignore[no-untyped-def]
    """A throwaway var/ for `gongkai bench`. Not the `db` fixture: its test case forbids
    every connection alias it did not know when it started, and the bench registers its
    own at run time."""
    from gongkai.devtools import bench

    settings.VAR_DIR = tmp_path
    with django_db_blocker.unblock():
        yield tmp_path / "bench"
    bench.forget_database(bench.SQLITE_ALIAS)
