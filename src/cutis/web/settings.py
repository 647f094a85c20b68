"""Settings for the clinic web app, every variable read from the environment.

DATABASE_URL   database (default: SQLite file db.sqlite3 in CUTIS_DATA_DIR, WAL mode)
SECRET_KEY     required when DEBUG is off
DEBUG          true/false (default false)
ALLOWED_HOSTS  comma-separated (default 127.0.0.1,localhost)
CUTIS_DATA_DIR where the SQLite file and uploaded media live (default ./var)
CUTIS_DEMO     true allows the demo logins (refused when DEBUG is off)
CUTIS_PHOTO_MAX_MB  the largest photo upload accepted, in MB (default 10)
SESSION_COOKIE_SECURE  true/false: session cookie sent over HTTPS only (default: not DEBUG)
CSRF_COOKIE_SECURE     true/false: CSRF cookie sent over HTTPS only (default: not DEBUG);
               turn both off only for plain HTTP on loopback (the web benchmark does)
SECURE_SSL_REDIRECT    true/false: redirect plain HTTP to HTTPS (default: SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS    HSTS max-age (default: one year when redirecting to HTTPS, else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD  true/false (default true)
SECURE_PROXY_SSL_HEADER  true behind a TLS-terminating proxy that sets X-Forwarded-Proto

EMAIL_BACKEND  Django e-mail backend for invitations and reminders (default: console)
DEFAULT_FROM_EMAIL     sender of those e-mails (default cutis@localhost)
CUTIS_INVITATION_DAYS  days an owner's invitation link works (default 7)
REDIS_URL      redis://, rediss:// or unix:// URL of a Redis shared by every worker (default: unset).
               Set, it is Django's cache and sessions are read from it, written through to the
               database (cached_db); unset, sessions live in the database only. Never a per-process
               memory cache for sessions: signing out must end the session in every worker.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cutis.web.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env_str("CUTIS_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
DEMO = env_bool("CUTIS_DEMO", False)
if DEMO and not DEBUG:
    raise ImproperlyConfigured("CUTIS_DEMO needs DEBUG=true: demo logins are never served live")

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "cutis-insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "axes",
    # ninja serves its Swagger UI from its own static files (without it, from a CDN)
    "ninja",
    "cutis.clinic",
    "cutis.interop",
    "cutis.portal",
    "cutis.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cutis.web.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # axes last, as its documentation requires
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cutis.web.urls"
WSGI_APPLICATION = "cutis.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; see cutis.clinic.apps for the pragma
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the staff member and clinic with the user on every request
    "cutis.clinic.backends.StaffModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "clinic:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
# uploads are written to a temporary name, flushed and renamed: never half a photo on disk
STORAGES = {
    "default": {"BACKEND": "cutis.clinic.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# the largest photo accepted, in megabytes; a larger one is refused naming the field
PHOTO_MAX_MB = env_int("CUTIS_PHOTO_MAX_MB", 10, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

REDIS_URL = env_url("REDIS_URL", ("redis", "rediss", "unix"))
# page bodies are keyed by the dog's record stamp, so each worker may keep its own copies
PAGES_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "cutis-pages",
    "OPTIONS": {"MAX_ENTRIES": 1000},
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": PAGES_CACHE,
}
# a cache every worker shares: sessions and signed-in users may be read from it (see backends)
CUTIS_SHARED_CACHE = bool(REDIS_URL)
if REDIS_URL:
    CACHES["default"] = {
        "BACKEND": "cutis.web.cache.ReusedClientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cutis",
    }
    # each request reads its session from Redis instead of the database; every change is still
    # written to the database, so a flushed or restarted Redis signs nobody out
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# Served over HTTPS whenever the cookies are Secure: plain HTTP is redirected and browsers are told
# (HSTS) never to try it. A loopback server that turns the Secure cookies off for plain HTTP (the
# benchmark, the fault test) thereby turns these off too.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer's probe speaks plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if SECURE_SSL_REDIRECT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # only behind a proxy that terminates TLS and always sets this header itself
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# no page carries inline script or style (templates link static files), so neither is allowed
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cutis@localhost")
# how long an owner's invitation link works
CUTIS_INVITATION_DAYS = env_int("CUTIS_INVITATION_DAYS", 7, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
