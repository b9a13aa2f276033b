"""Settings for every deployment mode, read from the environment.

Embedded mode (the default) needs nothing set: SQLite and files under ``var/``, the in-memory
live layer, mail written to the console and ``var/mail``. A region sets ``DATABASE_URL``,
``REDIS_URL``, ``RENKEI_SECRET_KEY``, ``RENKEI_MASTER_KEY`` and the SMTP variables; see README.
Tests override only what they must (in ``tests/conftest.py``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENT = os.environ.get("RENKEI_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DATA_DIR = Path(os.environ.get("RENKEI_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret(name: str, filename: str) -> str:
    """A secret from the environment; outside production one is made once and kept in DATA_DIR."""
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set in production")
    path = DATA_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret("RENKEI_SECRET_KEY", "secret_key")
MASTER_KEY = _secret("RENKEI_MASTER_KEY", "master_key")
# The deletion ledger (renkei.backups.ledger); empty: DATA_DIR/ledger/erasures.jsonl. The backup
# key is never a setting: only the backup and restore commands read it (RENKEI_BACKUP_KEY).
ERASURE_LEDGER = os.environ.get("RENKEI_ERASURE_LEDGER", "")
DEBUG = os.environ.get("RENKEI_DEBUG") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("RENKEI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
BASE_URL = os.environ.get("RENKEI_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "renkei.policy",
    "renkei.audit",
    "renkei.accounts",
    "renkei.twofactor",
    "renkei.facilities",
    "renkei.devices",
    "renkei.spaces",
    "renkei.timeline",
    "renkei.attachments",
    "renkei.notifications",
    "renkei.consents",
    "renkei.pledges",
    "renkei.documents",
    "renkei.search",
    "renkei.guard",
    "renkei.erasure",
    "renkei.backups",
    "renkei.throttle",
    "renkei.realtime",
    "renkei.console",
    "renkei.reports",
    "renkei.api",
    "renkei.demo",
    "renkei.guide",
    "renkei.home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Every response, redirects and errors included, gets the page policy (renkei.csp).
    "renkei.csp.ContentSecurityPolicyMiddleware",
    # /healthz answered here, before sessions, guards and the database (renkei.health).
    "renkei.health.HealthMiddleware",
    # The regional policy is read once per request, never kept beyond it (renkei.policy).
    "renkei.policy.middleware.PolicyPerRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the guards: they tell a signed-out member why with a message.
    "django.contrib.messages.middleware.MessageMiddleware",
    "renkei.accounts.middleware.OriginMiddleware",
    # Retry-After on every 429 answer, and the "please wait" page (renkei.throttle).
    "renkei.throttle.middleware.RetryAfterMiddleware",
    "renkei.accounts.middleware.SessionGuardMiddleware",
    "renkei.accounts.middleware.SignInRequiredMiddleware",
]

ROOT_URLCONF = "renkei.urls"
ASGI_APPLICATION = "renkei.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "renkei" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "renkei.policy.context_processors.region",
                "renkei.notifications.context_processors.unread_notifications",
                "renkei.csp.csp_nonce",
            ],
        },
    },
]

# SQLite: WAL so readers never wait for the writer, synchronous=FULL so a committed write
# survives a crash, IMMEDIATE transactions so two writers queue instead of failing, and
# secure_delete so deleted text is overwritten in the file, not only unlinked (patients' data).
_SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;",
}
_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    # No persistent connections: under ASGI every request runs in a thread of its own, and a
    # connection kept per thread outlives it, so a busy server ran PostgreSQL out of clients
    # (Django's documentation: disable them under ASGI). A pool shared by the threads keeps
    # connections open between requests instead, at most max_size per server process.
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 2,
            "max_size": int(os.environ.get("RENKEI_DB_POOL_SIZE", "10")),
            "timeout": 20,
        }
else:
    DATABASES = {
        "default": {
            # Django's SQLite with the process's writers queued in order (renkei/sqlite).
            "ENGINE": "renkei.sqlite",
            "NAME": str(DATA_DIR / "renkei.sqlite3"),
            "OPTIONS": _SQLITE_OPTIONS,
            # A file, not memory, so that a server thread or process in a test sees the data.
            "TEST": {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    # Django's Redis cache with one connection pool for the process (renkei.redis_cache).
    CACHES = {
        "default": {"BACKEND": "renkei.redis_cache.SharedPoolRedisCache", "LOCATION": REDIS_URL}
    }
else:
    # One process: its own in-memory layer (renkei.realtime.layers).
    CHANNEL_LAYERS = {"default": {"BACKEND": "renkei.realtime.layers.InProcessChannelLayer"}}

AUTH_USER_MODEL = "accounts.Member"
# The first records every new sign-in; the second only reads back the sessions begun before the
# first existed (renkei.accounts.backends).
AUTHENTICATION_BACKENDS = [
    "renkei.accounts.backends.MemberBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
# Password rules come from the regional policy (renkei.accounts.passwords), not from here.
AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "home"

SESSION_ENGINE = "renkei.accounts.sessions"
# The absolute lifetime; the idle timeout is the regional policy's (SessionGuardMiddleware).
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "renkei" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "/static/"
# The project-wide stylesheet and scripts live outside any app.
STATICFILES_DIRS = [BASE_DIR / "renkei" / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION

# Mail: SMTP when a host is given, otherwise the console and var/mail (embedded mode).
EMAIL_HOST = os.environ.get("RENKEI_SMTP_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("RENKEI_SMTP_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("RENKEI_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("RENKEI_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("RENKEI_SMTP_TLS", "1") == "1"
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "renkei.mail.DemoEmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("RENKEI_MAIL_FROM", "renkei@localhost")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("RENKEI_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_TRUSTED_ORIGINS = [BASE_URL]

# Behind a reverse proxy the client address comes from this header; unset, from the socket.
CLIENT_IP_HEADER = os.environ.get("RENKEI_CLIENT_IP_HEADER", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RENKEI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# The label shown for the product in pages and mail.
PRODUCT_NAME = _("Renkei")
CSRF_FAILURE_VIEW = "renkei.home.views.csrf_failure"
