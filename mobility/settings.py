"""Settings for the mobility platform, read from the environment.

Defaults give a working laptop setup (SQLite, in-memory channel layer, eager Celery,
console e-mail, payments off). Production sets ``DJANGO_DEBUG=0`` and must then provide a
secret key and allowed hosts, or the service refuses to start. Every variable is listed in
the README.
"""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from mobility.env import env_bool, env_int, env_int_mapping, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "api.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "mobility.accounts",
    "mobility.notifications",
    "mobility.core",
    "mobility.privacy",
    "gtfs",
    "rides",
    "carsharing",
    "journeys",
    "ondemand",
    # after the apps it reports on: its demo loader writes a year of history around theirs
    "stats",
    "api",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mobility.middleware.SecurityHeadersMiddleware",
    "mobility.middleware.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # German first; English for those who choose it (the web app's footer) or whose browser asks.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "web.middleware.WebSecurityHeadersMiddleware",
]

ROOT_URLCONF = "mobility.urls"
WSGI_APPLICATION = "mobility.wsgi.application"
ASGI_APPLICATION = "mobility.asgi.application"

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
                "web.context_processors.navigation",
                "web.console.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
# PostgreSQL connections come from a pool per process (psycopg_pool, Django's native pool):
# at most DB_POOL_MAX_SIZE per process, whatever the number of request threads, so the total
# is bounded by (web workers + Celery worker processes) x DB_POOL_MAX_SIZE, which must stay
# below PostgreSQL's max_connections (see the README). Every connection is checked before it
# is handed out, so after a database restart the dead ones are replaced without a restart of
# the service. DB_POOL_SIZE=0 turns the pool off and keeps one connection per thread for
# DB_CONN_MAX_AGE seconds (the old behaviour; only for an external pooler like PgBouncer).
DB_POOL_MIN_SIZE = env_int("DB_POOL_MIN_SIZE", 2)
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 10)
DB_POOL_TIMEOUT = env_int("DB_POOL_TIMEOUT", 30)  # seconds a request waits for a free connection
if DATABASE_URL:
    if DB_POOL_MAX_SIZE > 0:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(DB_POOL_MIN_SIZE, DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": DB_POOL_TIMEOUT,
            # A failed reconnection is retried soon: the pool is usable within seconds of
            # the database coming back (psycopg_pool backs off exponentially from this).
            "reconnect_timeout": 60,
            "max_idle": 60,
        }
    else:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")),
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of
            # failing half-way: this is how write transactions are serialised on SQLite.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# SQLite cannot enforce unique constraints with ``nulls_distinct=False`` (models.W047); the
# services that write those rows check for an existing row first, and PostgreSQL enforces it.
SILENCED_SYSTEM_CHECKS = [] if IS_POSTGRES else ["models.W047"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Celery broker -------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNELS_PREFIX", "mobility")},
        }
    }
    CACHES = {
        "default": {
            # Degrades to "no cache" while Redis is down (throttles count nothing, caches miss).
            "BACKEND": "mobility.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_PREFIX", "mobility"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/Berlin"
CELERY_BEAT_SCHEDULE: dict = {
    "privacy-retention": {"task": "privacy.run_retention", "schedule": 24 * 60 * 60},
    # Unanswered carpool seat requests lapse (24 h or at pickup) and free their seats.
    "rides-expire-pending-bookings": {"task": "rides.expire_pending_bookings", "schedule": 60 * 60},
    "rides-complete-past-offers": {"task": "rides.complete_past_offers", "schedule": 60 * 60},
    # Car-sharing: hold expiry and no-shows, base load booked ahead, missed Stripe events.
    "carsharing-reservations-tick": {"task": "carsharing.reservations_tick", "schedule": 60},
    "carsharing-base-load": {"task": "carsharing.base_load_materialise", "schedule": 24 * 60 * 60},
    "carsharing-payments-reconcile": {"task": "carsharing.payments_reconcile", "schedule": 60 * 60},
    # Driving licences are checked again: members reminded 30 and 7 days before (once each).
    "carsharing-licence-reminders": {"task": "carsharing.licence_reminders", "schedule": 24 * 60 * 60},
    # Journeys: today's and tomorrow's timetables compiled ahead (a no-op when already there).
    "journeys-precompile-timetables": {"task": "journeys.precompile_timetables", "schedule": 60 * 60},
    # The search log waits in a Redis list; searches schedule its drain, this catches a lost one.
    "stats-search-log-drain": {"task": "stats.search_log_drain", "schedule": 60},
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # seconds
EMAIL_VERIFICATION_MAX_AGE = timedelta(days=3)
LOGIN_URL = "/anmelden/"

TOKEN_TTL = timedelta(hours=env_int("AUTH_TOKEN_TTL_HOURS", 24 * 14))
REST_KNOX = {
    "TOKEN_TTL": TOKEN_TTL,
    "AUTO_REFRESH": True,
    "TOKEN_LIMIT_PER_USER": 20,
    "AUTH_HEADER_PREFIX": "Token",
}

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox's and DRF's own, plus the user's saved language (api/authentication.py)
        "api.authentication.TokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Client identity for throttling: the socket address, or with DJANGO_TRUSTED_PROXIES=N (N
# reverse proxies in front of the service, each appending to X-Forwarded-For) the N-th
# address from the right, the last one no trusted proxy wrote. Never the whole header,
# which the client controls.
TRUSTED_PROXIES = env_int("DJANGO_TRUSTED_PROXIES", 0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXIES
# Seconds a WebSocket opened without credentials waits for its first message {"type": "auth"}.
WS_AUTH_TIMEOUT_SECONDS = env_int("WS_AUTH_TIMEOUT_SECONDS", 10)
AUTH_THROTTLE_RATE = env_str("AUTH_THROTTLE_RATE", "10/min")
SEARCH_THROTTLE_RATE = env_str("SEARCH_THROTTLE_RATE", "60/min")
API_MAX_PAGE_SIZE = 200
# Largest request body outside multipart uploads (those have their own limits): 413 above.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
# Deepest nesting of a JSON body (objects and lists); deeper is refused with 400.
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)
# How long an Idempotency-Key's first request may run before a retry may take over
# (seconds): a worker that crashed mid-request does not block the key for good.
IDEMPOTENCY_LEASE_SECONDS = env_int("IDEMPOTENCY_LEASE_SECONDS", 30)

SPECTACULAR_SETTINGS = {
    "TITLE": "Mobility platform API",
    "DESCRIPTION": (
        "Transit and Bürgerbus, ride-sharing and car-sharing for a rural municipality. "
        'Every error has the body {"error": {"code", "message", "fields"}}.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and ReDoc are served from this server: no third-party CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge from validator.swagger.io: nothing is loaded from third parties.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RideRequestStatusEnum": "rides.models.RequestStatus",
        "PartyRoleEnum": "rides.models.PartyRole",
        "NoShowReportStatusEnum": "rides.models.ReportStatus",
        "BenchRequestStatusEnum": "rides.models.BenchRequestStatus",
        # Bürgerbus and Rufbus bookings share the choices (confirmed, cancelled): one enum
        "SeatBookingStatusEnum": "gtfs.models.BuergerbusBooking.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.local_times_without_offset",
    ],
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "de-de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
# English msgids with German translations for every app but web/ (which keeps its own
# German-keyed catalogue in web/locale); see mobility/core/management/commands/makemessages.py.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
# In development static files come straight from the apps (finders); production collects them.
STATIC_ROOT = env_str("STATIC_ROOT") or (None if DEBUG else str(BASE_DIR / "staticfiles"))
WHITENOISE_USE_FINDERS = DEBUG
# Leaflet's JS, CSS and images come from the django-leaflet wheel (``leaflet/static``) and are
# served as our own static files. Only the files: the app itself is not installed, because its
# admin widgets need GDAL.
_LEAFLET_SPEC = importlib.util.find_spec("leaflet")
STATICFILES_DIRS = (
    [str(Path(next(iter(_LEAFLET_SPEC.submodule_search_locations))) / "static")]
    if _LEAFLET_SPEC and _LEAFLET_SPEC.submodule_search_locations
    else []
)
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var" / "data")))

# --- The map ------------------------------------------------------------------------------
# No tile server by default: the map draws only the platform's own data and asks no one else.
# An operator may point this at a tile server of their own ({z}/{x}/{y} template).
MAP_TILE_URL = env_str("MAP_TILE_URL")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION")

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "mobilitaet@example.org")
FRONTEND_URL = env_str("FRONTEND_URL", "")  # empty: links follow the host and port the client used

# --- Payments -------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")  # e.g. a localstripe server in tests
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")  # Stripe Elements on the card page
PAYMENTS_ENABLED = bool(STRIPE_SECRET_KEY)
# Without Stripe: "refuse" member bookings with a clear error, or record them as "invoice".
PAYMENTS_FALLBACK = env_str("PAYMENTS_FALLBACK", "invoice")

# --- Privacy --------------------------------------------------------------------------------
# Retention per category in days, e.g. "ride_exact_places=14,notifications=90"; the rules and
# their defaults are listed by `manage.py privacy_retention --dry-run`.
PRIVACY_RETENTION_DAYS = env_int_mapping("PRIVACY_RETENTION", minimum=0)

# --- Security (production) ------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("DJANGO_BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every HTML page (mobility.middleware.SecurityHeadersMiddleware):
# scripts and styles only from this server, without 'unsafe-inline'; the origin of
# MAP_TILE_URL for images; Stripe.js when card payments are on.
from mobility.middleware import csp_directives  # noqa: E402

CSP_DIRECTIVES = csp_directives(map_tile_url=MAP_TILE_URL, stripe_enabled=PAYMENTS_ENABLED)
# Pages of third-party tools that cannot do without: ReDoc generates its styles at run time;
# Django's admin sets a few style attributes.
CSP_PATH_EXTRA = {
    "/api/redoc/": {"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]},
    "/admin/": {"style-src": ["'unsafe-inline'"]},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
