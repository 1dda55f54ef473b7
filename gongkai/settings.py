"""The one settings module. Everything that differs between a laptop and a province comes
from environment variables read through the tiny typed helpers below; with none set, a fresh
clone runs on SQLite in var/ and serves the demo."""

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GONGKAI_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list; blanks dropped."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/systemd credentials)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


# The profile sets the defaults of the security settings below; each one can still be set
# on its own. "development" (the default): a laptop, plain HTTP. "production": behind HTTPS,
# every header on, and `gongkai check --deploy` clean. See README, "Running in production".
PROFILE = env_str("GONGKAI_PROFILE", "development").strip().lower()
if PROFILE not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"GONGKAI_PROFILE must be 'development' or 'production', not {PROFILE!r}."
    )
PRODUCTION = PROFILE == "production"

DEBUG = env_bool("DEBUG", False)

#: Known to everyone who has read the source: good for DEBUG on a laptop, nothing else.
DEVELOPMENT_SECRET_KEY = "gongkai-insecure-development-key-change-me-in-production"


def _development_key() -> str:
    """Without DEBUG and without SECRET_KEY a development install still needs a key nobody
    else knows: one made on first start and kept in VAR_DIR, readable by its owner only.
    O_EXCL makes two processes starting together agree on the first one written."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = DEVELOPMENT_SECRET_KEY
    elif PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. The production profile needs a long random secret of its "
            "own: set SECRET_KEY, or SECRET_KEY_FILE naming a file that holds it."
        )
    else:
        SECRET_KEY = _development_key()
if SECRET_KEY == DEVELOPMENT_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "SECRET_KEY is the built-in development key, which anyone can read in the source, "
        "and DEBUG is off. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random secret of "
        "your own, e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

# --- The task queue (Django's tasks API through the django-tasks backport) ---
# "database": tasks are rows in the same database, run by `gongkai db_worker` beside the web
# process (the embedded default). "rq": Redis at GONGKAI_REDIS_URL, run by
# `gongkai rqworker default --job-class django_tasks_rq.Job` (the production default).
# "immediate": run at once in the calling process (the tests use it; see gongkai/conftest.py).
GONGKAI_TASK_BACKEND = (
    env_str("GONGKAI_TASK_BACKEND", "rq" if PRODUCTION else "database").strip().lower()
)
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if GONGKAI_TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"GONGKAI_TASK_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, "
        f"not {GONGKAI_TASK_BACKEND!r}."
    )
#: Every task runs on the one queue "default": one worker pool, no priorities to tune.
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[GONGKAI_TASK_BACKEND], "QUEUES": ["default"]}}
# Empty in production is refused by `gongkai check --deploy` (notifications.E001), never
# guessed; a development install that asks for "rq" gets the local Redis.
GONGKAI_REDIS_URL = env_str("GONGKAI_REDIS_URL", "" if PRODUCTION else "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": GONGKAI_REDIS_URL or "redis://127.0.0.1:6379/0"}}
# The code enqueues with transaction.on_commit itself; django-rq must not defer a second time.
RQ = {"COMMIT_MODE": "auto"}

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Its sitemap.xml templates (gongkai.feeds); syndication needs no installing.
    "django.contrib.sitemaps",
    "django_htmx",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    *(["django_rq", "django_tasks_rq"] if GONGKAI_TASK_BACKEND == "rq" else []),
    "gongkai.web",
    "gongkai.devtools",
    "gongkai.validation",
    "gongkai.accounts",
    "gongkai.organizations",
    "gongkai.workdays",
    "gongkai.catalog",
    "gongkai.disclosures",
    "gongkai.ledger",
    "gongkai.compliance",
    "gongkai.reports",
    "gongkai.portal",
    "gongkai.api",
    "gongkai.console",
    "gongkai.notifications",
    "gongkai.guard",
    "gongkai.supervision",
    "gongkai.engagement",
    "gongkai.topics",
    "gongkai.inforequests",
    "gongkai.search",
    "gongkai.feeds",
    "gongkai.boards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before the session and CSRF middleware: it sees their cookies and Vary last and decides
    # whether a public page may enter a shared cache (gongkai.web.caching).
    "gongkai.web.caching.PublicCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the locale, so the refusal is in Chinese; before anything that queries.
    "gongkai.web.middleware.UnstorableAddressMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # AxesMiddleware must be last: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongkai.urls"
WSGI_APPLICATION = "gongkai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongkai.web.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'gongkai.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Opening a PostgreSQL connection costs a few milliseconds and a backend process: every
    # process keeps a small pool (psycopg_pool, Django's "pool" option) and a request borrows
    # one for its length. One pool per gunicorn worker; DB_POOL_MAX at least the worker's
    # threads. With a pool, CONN_MAX_AGE must be 0. DB_POOL=0 keeps one persistent
    # connection per thread instead (DB_CONN_MAX_AGE seconds, 60 by default, checked before
    # reuse): for a pooler in front (PgBouncer) or an old server.
    if env_bool("DB_POOL", True):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 1),
            "max_size": env_int("DB_POOL_MAX", 4),
            # Seconds a request waits for a free connection before it fails.
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A fresh clone has no var/ yet; SQLite cannot create the directory itself.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers go on while a clerk saves; IMMEDIATE avoids lock upgrades that deadlock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA mmap_size=268435456;",
    }

# One process (the embedded default) needs no shared cache. Several app processes must share
# one, or a calendar change or catalog draft seen by one is stale in another: set REDIS_URL
# for Django's Redis backend, through gongkai.web.cache so that Redis being unreachable costs
# cache misses, not pages. A process's own memory keeps up to 2,000 entries (Django's default
# is 300): the stored listings and public pages (a few to 30 KB each) of the organizations and
# disclosures most read, about 30 MB at most.
_LOCAL_CACHE: dict[str, object] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
CACHES = {
    "default": (
        {"BACKEND": "gongkai.web.cache.TolerantRedisCache", "LOCATION": env_str("REDIS_URL")}
        if env_str("REDIS_URL")
        else _LOCAL_CACHE
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out account is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "gongkai.accounts.backends.UsernameOrMobileBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
# After sign-in each person lands where their roles give them something to do or read.
LOGIN_REDIRECT_URL = "accounts:landing"
LOGOUT_REDIRECT_URL = "home"

# Lock-out: five wrong passwords for one account lock it for half an hour. The attempt is
# keyed by the canonical username, so typing the mobile number instead does not buy more tries.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "gongkai.accounts.backends.canonical_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# A try during the lock must not restart the half hour, or the message's promise is false.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
# Locking by IP address as well would lock out a whole village office behind one NAT;
# accounts are locked by name instead (axes.W006 warns about exactly this choice).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# --- HTTPS and security headers: production-profile defaults, each settable on its own ---
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# A year of HSTS in production. Preload only asks browsers' built-in lists to include the
# domain; it takes effect once someone submits it at hstspreload.org, so it stays settable.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
# Behind nginx (or another proxy that terminates TLS), name the header it sets, as
# "X-Forwarded-Proto: https". Only behind a proxy that always sets (or strips) it: otherwise
# a client could claim HTTPS.
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER")
if _proxy_header:
    _name, _sep, _value = _proxy_header.partition(":")
    if not _sep or not _name.strip() or not _value.strip():
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must read 'Header-Name: value', e.g. "
            "'X-Forwarded-Proto: https'."
        )
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _name.strip().upper().replace("-", "_"),
        _value.strip(),
    )

# Content Security Policy (django-csp 4; Django 5.2 has none built in). Everything comes
# from this site: no inline scripts or styles, no framing, forms post here only. On in both
# profiles, so tests and the demo break where a template would break in production.
# CSP_REPORT_ONLY=1 sends it as Content-Security-Policy-Report-Only while trying it out;
# CSP_REPORT_URI names where browsers send violation reports.
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": env_list("CSP_REPORT_URI")} if env_list("CSP_REPORT_URI") else {}),
    }
}
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

# Largest Excel or YAML file an import accepts (bytes).
GONGKAI_MAX_IMPORT_BYTES = env_int("GONGKAI_MAX_IMPORT_BYTES", 5 * 1024 * 1024)
# Largest attachment (bytes).
GONGKAI_MAX_ATTACHMENT_BYTES = env_int("GONGKAI_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
# Attachments are read in a child process (gongkai.disclosures.extraction) with at most this
# much address space and CPU time; past the seconds it is killed. A file that needs more is
# refused, and the web process is never touched by it.
GONGKAI_EXTRACT_MEMORY_MB = env_int("GONGKAI_EXTRACT_MEMORY_MB", 512)
GONGKAI_EXTRACT_SECONDS = env_int("GONGKAI_EXTRACT_SECONDS", 20)
# The Python that runs that child (empty: the web process's own interpreter).
GONGKAI_EXTRACT_PYTHON = env_str("GONGKAI_EXTRACT_PYTHON", "")
GONGKAI_SITE_NAME = _("Party-affairs disclosure")

# The transparency log (docs/ledger-format.md). Its signing key is an Ed25519 private key in
# a PEM file outside the database; the development profile makes one under var/ on first
# use, production refuses to sign without GONGKAI_LEDGER_KEY_FILE. The name is the key's
# and the logs' origin prefix: the deployment's host name.
GONGKAI_LEDGER_NAME = env_str("GONGKAI_LEDGER_NAME", "gongkai.local")
GONGKAI_LEDGER_KEY_FILE = env_str(
    "GONGKAI_LEDGER_KEY_FILE",
    "" if PROFILE == "production" else str(VAR_DIR / "ledger" / "signing-key.pem"),
)
# Verifier keys (C2SP vkeys) of earlier signing keys, after a rotation: heads they signed
# stay checkable.
GONGKAI_LEDGER_OLD_KEYS = env_list("GONGKAI_LEDGER_OLD_KEYS")
# Depths in the organization tree whose organizations are log roots (top-level ones always
# are): a province with its counties as roots sets "0,2".
GONGKAI_LEDGER_ROOT_DEPTHS = [int(x) for x in env_list("GONGKAI_LEDGER_ROOT_DEPTHS", "0")]

# --- Notifications (gongkai/notifications) ---
# The channels every notification goes out on, as dotted paths of Channel classes. Built in:
# InAppChannel, EmailChannel, LoggingSmsChannel, LoggingWeChatChannel (the last two only log:
# a real SMS or WeChat gateway is a subclass of SmsChannel / WeChatChannel).
GONGKAI_NOTIFICATION_CHANNELS = env_list(
    "GONGKAI_NOTIFICATION_CHANNELS",
    "gongkai.notifications.channels.InAppChannel,gongkai.notifications.channels.EmailChannel",
)
# The address links in e-mails start with, e.g. https://dangwu.example.gov.cn (no slash at
# the end). Empty: e-mails show the path alone.
GONGKAI_SITE_URL = env_str("GONGKAI_SITE_URL", "").rstrip("/")
#: An organization page's public listing is rendered once and stored until it changes
#: (gongkai.portal.stored). Off, it is rendered on every request: what the first request
#: after a change costs, which `gongkai bench --only-portal` measures beside the stored page.
GONGKAI_STORED_LISTINGS = env_bool("GONGKAI_STORED_LISTINGS", True)

# E-mail: SMTP in production (EMAIL_HOST etc.); in development every message is written to a
# file under var/mail/, so nothing leaves a laptop. EMAIL_BACKEND overrides either.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# A delivery holds its row lock while the mail server answers (on SQLite: the database's
# write lock), so a server that hangs is given up on quickly and retried later.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 5)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "gongkai@localhost")

# --- Anti-abuse for anonymous input (gongkai/guard) ---
# Where the rate limits count: "database" (the embedded default: the site's database, shared
# by every process) or "redis" (production: GONGKAI_GUARD_REDIS_URL, by default
# GONGKAI_REDIS_URL). Never a process's memory: several processes must see one count.
GONGKAI_GUARD_STORE = (
    env_str("GONGKAI_GUARD_STORE", "redis" if PRODUCTION and GONGKAI_REDIS_URL else "database")
    .strip()
    .lower()
)
GONGKAI_GUARD_REDIS_URL = env_str("GONGKAI_GUARD_REDIS_URL", "")
# Proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed: behind
# nginx on the same machine "127.0.0.1,::1". Empty: REMOTE_ADDR is the client.
GUARD_TRUSTED_PROXIES = env_list("GONGKAI_TRUSTED_PROXIES")
# Limits per action over gongkai.guard.limits.DEFAULT_LIMITS, as JSON, e.g.
# {"opinion": {"per_address": 20, "soft": 5, "per_organization": 2000, "window_seconds": 3600}}
try:
    GUARD_LIMITS = json.loads(env_str("GONGKAI_GUARD_LIMITS", "") or "{}")
except ValueError as _error:
    raise ImproperlyConfigured(f"GONGKAI_GUARD_LIMITS is not valid JSON: {_error}") from None
if not isinstance(GUARD_LIMITS, dict):
    raise ImproperlyConfigured("GONGKAI_GUARD_LIMITS must be a JSON object keyed by action.")
# Seconds a challenge question may be answered in.
GUARD_CHALLENGE_SECONDS = env_int("GONGKAI_GUARD_CHALLENGE_SECONDS", 900)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
