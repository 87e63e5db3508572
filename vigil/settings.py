"""Vigil settings: one module, read from VIGIL_* environment variables.

Embedded mode (default) needs nothing set: SQLite and Huey-on-SQLite in the data folder.
Production mode refuses to start with debug on or the default secret.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent

env = environ.Env()

MODE = env.str("VIGIL_MODE", default="embedded")
if MODE not in ("embedded", "production"):
    raise ImproperlyConfigured(f"VIGIL_MODE must be 'embedded' or 'production', not {MODE!r}")

DATA_DIR = Path(env.str("VIGIL_DATA_DIR", default=str(REPO_DIR / "var"))).expanduser().resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_SECRET = "vigil-embedded-default-secret-change-me"  # noqa: S105 - refused in production
SECRET_KEY = env.str("VIGIL_SECRET_KEY", default=DEFAULT_SECRET)
DEBUG = env.bool("VIGIL_DEBUG", default=False)

if MODE == "production":
    if DEBUG:
        raise ImproperlyConfigured("VIGIL_DEBUG must be off in production mode.")
    if SECRET_KEY == DEFAULT_SECRET or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "VIGIL_SECRET_KEY must be set to a random value of at least 32 characters "
            "in production mode."
        )

ALLOWED_HOSTS = env.list("VIGIL_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("VIGIL_CSRF_TRUSTED_ORIGINS", default=[])
# Reverse proxies in front of Vigil (addresses or CIDR networks; empty = none). Only from
# these peers are X-Forwarded-For/-Proto/-Host honoured (core/proxies.py).
TRUSTED_PROXIES = env.list("VIGIL_TRUSTED_PROXIES", default=[])
TRUSTED_PROXY_COUNT = env.int("VIGIL_TRUSTED_PROXY_COUNT", default=1)
for _proxy in TRUSTED_PROXIES:
    try:
        __import__("ipaddress").ip_network(_proxy.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"VIGIL_TRUSTED_PROXIES: {_proxy!r} is not an IP address or network (CIDR)."
        ) from None
if TRUSTED_PROXY_COUNT < 1:
    raise ImproperlyConfigured("VIGIL_TRUSTED_PROXY_COUNT must be 1 or more.")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "ninja",  # its Swagger page from our static files (no CDN, no inline script)
    "huey.contrib.djhuey",
    "vigil.core",
    "vigil.org",
    "vigil.program",
    "vigil.assets",
    "vigil.intel",
    "vigil.incidents",
]

MIDDLEWARE = [
    "vigil.core.proxies.TrustedProxyMiddleware",
    "vigil.core.middleware.RequestLogMiddleware",
    "vigil.core.middleware.DeprecatedApiAliasMiddleware",  # old API paths, one more release
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vigil.core.middleware.LanguageMiddleware",  # Vietnamese unless the reader chose English
    "vigil.core.admission.AdmissionControlMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vigil.core.middleware.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "vigil.core.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "vigil.core.web.DomainErrorPages",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "vigil.core.concurrency.ETagMiddleware",
]

ROOT_URLCONF = "vigil.urls"
WSGI_APPLICATION = "vigil.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vigil.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": env.db_url(
        "VIGIL_DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'vigil.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the Huey worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
        "VIGIL_TEST_SQLITE", default=""
    ) or None
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    # Lets parallel test runs on one server use separate test databases.
    if env.str("VIGIL_TEST_DB_NAME", default=""):
        DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("VIGIL_TEST_DB_NAME")
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
# The organisation unit every shared object, audit entry and webhook belongs to. Swappable like
# AUTH_USER_MODEL, so that the kernel (vigil.core) points to it without importing the org app.
VIGIL_UNIT_MODEL = "org.Unit"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:login"

# Lockout (django-axes): five failures lock the username for 15 minutes.
AXES_FAILURE_LIMIT = env.int("VIGIL_LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = env.float("VIGIL_LOCKOUT_MINUTES", default=15) / 60
# By username only: many officials share one NAT address, which must not lock them all out.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "vigil.core.views.auth.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# The client's address as the audit log sees it (behind a trusted proxy: the real client).
AXES_CLIENT_IP_CALLABLE = "vigil.core.actors.client_address"

OTP_TOTP_ISSUER = "Vigil"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("VIGIL_SESSION_SECONDS", default=8 * 3600)
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): scripts and everything else from
# Vigil itself only, no inline script or event handler, nothing from the internet. Inline
# style attributes stay allowed (progress bars, timelines are drawn with them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
if MODE == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("VIGIL_HSTS_SECONDS", default=31536000)

LANGUAGE_CODE = "vi"
FORMAT_MODULE_PATH = ["vigil.formats"]  # dates as readers write them (vigil/formats)
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("VIGIL_TIME_ZONE", default="Asia/Ho_Chi_Minh")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    ("vendor/bootstrap", REPO_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", REPO_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", REPO_DIR / "node_modules" / "chart.js" / "dist"),  # charts (core/static/core/charts.js)
    ("vendor/tom-select", REPO_DIR / "node_modules" / "tom-select" / "dist"),  # pickers (core/static/core/pickers.js)
]
STATICFILES_DIRS = [(p, d) for p, d in STATICFILES_DIRS if d.exists()]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
VIGIL_MAX_UPLOAD_BYTES = env.int("VIGIL_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Compressed input (XLSX/DOCX/ZIP uploads, gzip intel files): the most it may expand to, and
# the highest compression ratio accepted (core/archives.py; decompression bombs).
VIGIL_ARCHIVE_MAX_BYTES = env.int("VIGIL_ARCHIVE_MAX_BYTES", default=512 * 1024 * 1024)
VIGIL_ARCHIVE_MAX_RATIO = env.int("VIGIL_ARCHIVE_MAX_RATIO", default=100)

# Background jobs: Huey on Redis when VIGIL_REDIS_URL is set, else on SQLite in the data folder.
REDIS_URL = env.str("VIGIL_REDIS_URL", default="")
HUEY_IMMEDIATE = env.bool("VIGIL_HUEY_IMMEDIATE", default=False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "vigil",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "vigil",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }

# A cache every process shares (the web server and the worker that warms it): Redis in
# production, files in the data folder in the embedded mode. It holds computed figures
# (incident statistics) only, never what decides access.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "vigil"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(DATA_DIR / "cache")}}

EMAIL_CONFIG = env.email_url("VIGIL_EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("VIGIL_EMAIL_FROM", default="vigil@localhost")
# The address people open Vigil at; links in e-mails are made absolute with it.
BASE_URL = env.str("VIGIL_BASE_URL", default="").rstrip("/")
if BASE_URL:  # a browser's form posts carry this origin (https behind a proxy)
    from urllib.parse import urlsplit as _urlsplit

    _base = _urlsplit(BASE_URL)
    if _base.scheme not in ("http", "https") or not _base.netloc:
        raise ImproperlyConfigured(f"VIGIL_BASE_URL must be an http(s) URL, not {BASE_URL!r}.")
    if f"{_base.scheme}://{_base.netloc}" not in CSRF_TRUSTED_ORIGINS:
        CSRF_TRUSTED_ORIGINS.append(f"{_base.scheme}://{_base.netloc}")

# The committee's work: reminders before due dates, escalation, the weekly digest.
PROGRAM_REMINDER_DAYS = tuple(env.list("VIGIL_PROGRAM_REMINDER_DAYS", cast=int, default=[7, 3, 1]))
PROGRAM_PERIOD_REMINDER_DAYS = env.int("VIGIL_PROGRAM_PERIOD_REMINDER_DAYS", default=5)
PROGRAM_OVERDUE_LOOKBACK_DAYS = env.int("VIGIL_PROGRAM_OVERDUE_LOOKBACK_DAYS", default=30)
PROGRAM_REMINDER_HOUR = env.int("VIGIL_PROGRAM_REMINDER_HOUR", default=7)
PROGRAM_DIGEST_WEEKDAY = env.int("VIGIL_PROGRAM_DIGEST_WEEKDAY", default=0)
# Incidents: a second SLA escalation (to the standing agency) this long after the first;
# empty = the breached clock's own duration again. Signed webhooks: attempts and timeout.
# Admission control: incident reports processed at once per server process; one more is
# refused at once (503, Retry-After) rather than queued until the client gives up.
INTAKE_MAX_CONCURRENT = env.int("VIGIL_INTAKE_MAX_CONCURRENT", default=6)
ADMISSION_LIMITS = {("POST", "/api/v1/incidents/reports"): INTAKE_MAX_CONCURRENT}
ADMISSION_RETRY_AFTER = env.int("VIGIL_ADMISSION_RETRY_AFTER", default=2)
# The severity whose SLA targets an untriaged report runs on (triage replaces them).
INCIDENT_INTAKE_SEVERITY = env.str("VIGIL_INCIDENT_INTAKE_SEVERITY", default="medium")
INCIDENT_SLA_ESCALATE_AFTER_MINUTES = env.int("VIGIL_INCIDENT_SLA_ESCALATE_AFTER_MINUTES", default=None)
WEBHOOK_MAX_ATTEMPTS = env.int("VIGIL_WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_TIMEOUT = env.int("VIGIL_WEBHOOK_TIMEOUT", default=10)
# Webhooks to loopback, private and link-local addresses are refused unless allowed.
WEBHOOK_ALLOW_PRIVATE = env.bool("VIGIL_WEBHOOK_ALLOW_PRIVATE", default=False)
# Threat intelligence: feeds (pulled by a job every minute) and the TAXII 2.1 server.
INTEL_FEED_TIMEOUT = env.int("VIGIL_INTEL_FEED_TIMEOUT", default=60)
INTEL_FEED_MAX_BYTES = env.int("VIGIL_INTEL_FEED_MAX_BYTES", default=512 * 1024 * 1024)
# Feed URLs on loopback, private and link-local addresses are refused unless allowed.
INTEL_FEED_ALLOW_PRIVATE = env.bool("VIGIL_INTEL_FEED_ALLOW_PRIVATE", default=False)
# Folders a file-path feed may read from (a path feed must not read any file of the server).
INTEL_FEED_PATHS = [Path(p) for p in env.list("VIGIL_INTEL_FEED_PATHS", default=[str(DATA_DIR / "feeds")])]
INTEL_FEED_REFRESH_HOURS = env.int("VIGIL_INTEL_FEED_REFRESH_HOURS", default=24)
TAXII_MAX_CONTENT_LENGTH = env.int("VIGIL_TAXII_MAX_CONTENT_LENGTH", default=10 * 1024 * 1024)
TAXII_CONTACT = env.str("VIGIL_TAXII_CONTACT", default="")
ASSETS_REMINDER_DAYS = tuple(env.list("VIGIL_ASSETS_REMINDER_DAYS", cast=int, default=[30, 7, 1]))
# Membership decisions must carry an embedded PDF signature (/ByteRange) when on.
VIGIL_DECISION_REQUIRE_PDF_SIGNATURE = env.bool("VIGIL_DECISION_REQUIRE_PDF_SIGNATURE", default=False)

# The audit chain is keyed (HMAC-SHA256) with a secret kept outside the database: this value,
# or else a key file created (mode 0600) in the data folder at first use. Signed checkpoints
# of the chain's head are appended to a file outside the database (and sent to auditors).
AUDIT_KEY = env.str("VIGIL_AUDIT_KEY", default="")
AUDIT_KEY_FILE = Path(env.str("VIGIL_AUDIT_KEY_FILE", default=str(DATA_DIR / "audit.key")))
AUDIT_CHECKPOINT_FILE = Path(
    env.str("VIGIL_AUDIT_CHECKPOINT_FILE", default=str(DATA_DIR / "audit-checkpoints.log"))
)
if AUDIT_KEY and len(AUDIT_KEY) < 32:
    raise ImproperlyConfigured("VIGIL_AUDIT_KEY must be at least 32 characters.")

# Backups (`vigil backup`, vigil/core/backup.py): the folder of the archives the scheduled job
# writes, how many of them it keeps, and the hour (local, 0-23) it runs each day; no hour, no
# scheduled backup.
BACKUP_DIR = Path(env.str("VIGIL_BACKUP_DIR", default=str(DATA_DIR / "backups")))
BACKUP_KEEP = env.int("VIGIL_BACKUP_KEEP", default=7)
_backup_hour = env.str("VIGIL_BACKUP_HOUR", default="").strip()
if _backup_hour and _backup_hour not in {str(hour) for hour in range(24)}:
    raise ImproperlyConfigured("VIGIL_BACKUP_HOUR must be an hour from 0 to 23.")
BACKUP_HOUR = int(_backup_hour) if _backup_hour else None
if BACKUP_KEEP < 1:
    raise ImproperlyConfigured("VIGIL_BACKUP_KEEP must be at least 1.")

# /metrics (Prometheus): readable from these networks (comma-separated CIDRs; loopback
# only by default), or from anywhere with `Authorization: Bearer <VIGIL_METRICS_TOKEN>`.
METRICS_ALLOW = env.list("VIGIL_METRICS_ALLOW", default=["127.0.0.0/8", "::1/128"])
METRICS_TOKEN = env.str("VIGIL_METRICS_TOKEN", default="")
try:
    import ipaddress as _ipaddress

    METRICS_NETWORKS = tuple(_ipaddress.ip_network(c.strip(), strict=False) for c in METRICS_ALLOW if c.strip())
except ValueError as _exc:
    raise ImproperlyConfigured(f"VIGIL_METRICS_ALLOW: not a list of networks (CIDR): {_exc}") from None
if METRICS_TOKEN and len(METRICS_TOKEN) < 24:
    raise ImproperlyConfigured("VIGIL_METRICS_TOKEN must be at least 24 characters.")

LOG_LEVEL = env.str("VIGIL_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "huey": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500
