"""The settings refuse to start insecurely and the production profile passes Django's
deployment checks. Each case starts a fresh interpreter, as the server would."""

from __future__ import annotations

import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The variables these tests set; whatever the caller's shell has for them is dropped.
OWN = (
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "GONGKAI_PROFILE",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "CSP_REPORT_ONLY",
    "CSP_REPORT_URI",
    "GONGKAI_LEDGER_KEY_FILE",
    "GONGKAI_TASK_BACKEND",
    "GONGKAI_REDIS_URL",
    "EMAIL_BACKEND",
)


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in OWN}
    clean.update(
        GONGKAI_VAR_DIR=str(tmp_path / "var"),
        PYTHONPATH=str(ROOT.parent),
        DJANGO_SETTINGS_MODULE="gongkai.settings",
    )
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=clean, cwd=tmp_path
    )


def setting(tmp_path: Path, expression: str, **env: str) -> str:
    result = run(tmp_path, "-c", f"from django.conf import settings; print({expression})", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def a_key() -> str:
    return secrets.token_urlsafe(50)


def a_ledger_key(tmp_path: Path) -> str:
    path = tmp_path / "ledger-key.pem"
    made = run(tmp_path, "-m", "gongkai", "ledger", "keygen", str(path))
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return str(path)


def test_the_production_profile_passes_the_deployment_checks(tmp_path):
    result = run(
        tmp_path, "-m", "gongkai", "check", "--deploy", GONGKAI_PROFILE="production",
        SECRET_KEY=a_key(), GONGKAI_LEDGER_KEY_FILE=a_ledger_key(tmp_path),
        GONGKAI_REDIS_URL="redis://127.0.0.1:6379/0",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout and "WARNINGS" not in result.stderr


def test_production_queues_tasks_in_redis_and_names_the_variable_when_it_is_missing(tmp_path):
    expression = "(settings.TASKS['default']['BACKEND'], settings.RQ_QUEUES['default']['URL'], settings.EMAIL_BACKEND)"  # fmt: skip
    found = setting(
        tmp_path, expression, GONGKAI_PROFILE="production", SECRET_KEY=a_key(),
        GONGKAI_REDIS_URL="redis://queue.internal:6379/2",
    )  # fmt: skip
    assert found == str(
        (
            "django_tasks_rq.RQBackend",
            "redis://queue.internal:6379/2",
            "django.core.mail.backends.smtp.EmailBackend",
        )
    )
    result = run(
        tmp_path, "-m", "gongkai", "check", "--deploy", GONGKAI_PROFILE="production",
        SECRET_KEY=a_key(), GONGKAI_LEDGER_KEY_FILE=a_ledger_key(tmp_path),
    )  # fmt: skip
    assert result.returncode != 0
    assert "notifications.E001" in result.stderr and "GONGKAI_REDIS_URL" in result.stderr


def test_a_laptop_queues_tasks_in_its_database_and_writes_mail_to_files(tmp_path):
    expression = "(settings.TASKS['default']['BACKEND'], settings.EMAIL_BACKEND, 'django_rq' in settings.INSTALLED_APPS)"  # fmt: skip
    assert setting(tmp_path, expression, SECRET_KEY=a_key()) == str(
        (
            "django_tasks_db.DatabaseBackend",
            "django.core.mail.backends.filebased.EmailBackend",
            False,
        )
    )
    result = run(tmp_path, "-m", "gongkai", "check", GONGKAI_TASK_BACKEND="celery")
    assert result.returncode != 0 and "GONGKAI_TASK_BACKEND" in result.stderr


def test_production_cannot_sign_the_ledger_without_a_key_file(tmp_path):
    """No key is made silently in production: the deploy check names the variable."""
    result = run(
        tmp_path, "-m", "gongkai", "check", "--deploy", GONGKAI_PROFILE="production",
        SECRET_KEY=a_key(),
    )  # fmt: skip
    assert result.returncode != 0
    assert "ledger.E001" in result.stderr and "GONGKAI_LEDGER_KEY_FILE" in result.stderr
    assert not (tmp_path / "var" / "ledger").exists()


def test_the_development_defaults_are_what_check_deploy_warns_about(tmp_path):
    """The same check notices when the headers are off, so the test above means something."""
    result = run(tmp_path, "-m", "gongkai", "check", "--deploy", SECRET_KEY=a_key())
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


def test_the_development_key_is_refused_with_debug_off(tmp_path):
    from gongkai.settings import DEVELOPMENT_SECRET_KEY

    for profile in ("development", "production"):
        result = run(
            tmp_path, "-m", "gongkai", "check", SECRET_KEY=DEVELOPMENT_SECRET_KEY,
            GONGKAI_PROFILE=profile,
        )  # fmt: skip
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "built-in development key" in result.stderr


def test_the_development_key_serves_debug_on_a_laptop(tmp_path):
    assert setting(tmp_path, "settings.SECRET_KEY", DEBUG="1").startswith("gongkai-insecure")


def test_production_without_a_key_is_refused(tmp_path):
    result = run(tmp_path, "-m", "gongkai", "check", GONGKAI_PROFILE="production")
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_a_key_file_is_read(tmp_path):
    key = a_key()
    (tmp_path / "key").write_text(key + "\n")
    assert setting(tmp_path, "settings.SECRET_KEY", SECRET_KEY_FILE=str(tmp_path / "key")) == key


def test_a_development_install_makes_its_own_key_once_and_keeps_it_private(tmp_path):
    first = setting(tmp_path, "settings.SECRET_KEY")
    second = setting(tmp_path, "settings.SECRET_KEY")
    assert first == second and len(first) >= 50 and not first.startswith("gongkai-insecure")
    mode = (tmp_path / "var" / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_an_unknown_profile_is_refused(tmp_path):
    result = run(tmp_path, "-m", "gongkai", "check", GONGKAI_PROFILE="prod", SECRET_KEY=a_key())
    assert result.returncode != 0 and "GONGKAI_PROFILE" in result.stderr


HEADERS = "(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD, settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"  # fmt: skip


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "(0, False, False, False, False, False)"),
        ({"GONGKAI_PROFILE": "production"}, "(31536000, True, True, True, True, True)"),
        (
            {"GONGKAI_PROFILE": "production", "SECURE_HSTS_PRELOAD": "0",
             "SECURE_HSTS_SECONDS": "3600", "SECURE_SSL_REDIRECT": "false"},
            "(3600, True, False, False, True, True)",
        ),
        ({"SECURE_HSTS_SECONDS": "600", "SECURE_COOKIES": "yes"}, "(600, False, False, False, True, True)"),
    ],
)  # fmt: skip
def test_each_security_header_is_set_from_the_environment(tmp_path, env, expected):
    assert setting(tmp_path, HEADERS, SECRET_KEY=a_key(), **env) == expected


def test_the_proxy_ssl_header_is_read_as_header_and_value(tmp_path):
    value = setting(
        tmp_path, "settings.SECURE_PROXY_SSL_HEADER", SECRET_KEY=a_key(),
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
    )  # fmt: skip
    assert value == "('HTTP_X_FORWARDED_PROTO', 'https')"
    result = run(
        tmp_path, "-m", "gongkai", "check", SECRET_KEY=a_key(), SECURE_PROXY_SSL_HEADER="https"
    )
    assert result.returncode != 0 and "SECURE_PROXY_SSL_HEADER" in result.stderr


def test_the_policy_can_be_tried_in_report_only_mode(tmp_path):
    value = setting(
        tmp_path,
        "(hasattr(settings, 'CONTENT_SECURITY_POLICY'),"
        " settings.CONTENT_SECURITY_POLICY_REPORT_ONLY['DIRECTIVES']['report-uri'])",
        SECRET_KEY=a_key(),
        CSP_REPORT_ONLY="1",
        CSP_REPORT_URI="https://example.org/csp",
    )
    assert value == "(False, ['https://example.org/csp'])"


# --- Content Security Policy ---------------------------------------------------------------


def test_every_page_carries_the_policy(client, db):
    policy = client.get("/").headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                      "object-src 'none'", "frame-ancestors 'none'", "form-action 'self'"):  # fmt: skip
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


INLINE = [
    ("an inline script", re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)),
    ("an inline style element", re.compile(r"<style\b", re.I)),
    ("a style attribute", re.compile(r"\sstyle\s*=", re.I)),
    ("an event handler attribute", re.compile(r"\son[a-z]+\s*=", re.I)),
    ("a javascript: address", re.compile(r"javascript:", re.I)),
]


#: Templates that are never served: WeasyPrint lays them out into PDF files inside the
#: process (no browser, no policy), with their styles inline so nothing is fetched.
PRINTED_ONLY = (
    "reports/templates/reports/documents/",
    "inforequests/templates/inforequests/documents/",
)


def test_no_template_has_what_the_policy_blocks():
    found = []
    for template in ROOT.rglob("templates/**/*.html"):
        if str(template.relative_to(ROOT)).startswith(PRINTED_ONLY):
            continue
        text = template.read_text()
        for what, pattern in INLINE:
            for match in pattern.finditer(text):
                # <script type="application/json"> holds data, not code: the policy allows it.
                if "application/json" in match.group(0):
                    continue
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(ROOT)}:{line}: {what}")
    assert found == []
