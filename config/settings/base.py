"""Settings shared by every environment.

Production-safe by default: DEBUG off, every API route authenticated unless a
view opts out, no secret defaults here (``local`` and ``test`` provide
development-only ones, ``production`` demands real ones). Integrations switch
on by environment variable; see the README's table.
"""

from __future__ import annotations

from datetime import date, timedelta

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    BASE_DIR,
    database_from_url,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    is_mongodb_url,
)

# --- Core ---------------------------------------------------------------------
DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "identity.User"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Compact ISO-like dates in the admin (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]

# --- Database (docs/architecture.md, Database portability) --------------------
DATABASE_URL = env_str("DATABASE_URL")
USE_MONGODB = is_mongodb_url(DATABASE_URL)
DATABASES = {"default": database_from_url(DATABASE_URL)}
# MongoDB: apply check constraints as collection validators after migrate.
MONGODB_CHECK_VALIDATORS = True

if USE_MONGODB:
    # Contrib apps get ObjectId keys and their own migration history, generated
    # for MongoDB and committed under mongo_migrations/.
    DEFAULT_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"
    DJANGO_APPS = [
        "deltalabs.admin_apps.MongoDeltaAdminConfig",
        "deltalabs.mongo.MongoAuthConfig",
        "deltalabs.mongo.MongoContentTypesConfig",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
        "django_mongodb_backend",
    ]
    MIGRATION_MODULES = {
        "admin": "mongo_migrations.admin",
        "auth": "mongo_migrations.auth",
        "contenttypes": "mongo_migrations.contenttypes",
    }
    DATABASE_ROUTERS = ["django_mongodb_backend.routers.MongoRouter"]
    # The backend creates no CHECK constraints (models.W027); ours become
    # collection validators after migrate (deltalabs.mongo_validators), and
    # deltalabs.E002 fails on a condition that cannot become one.
    SILENCED_SYSTEM_CHECKS = ["models.W027"]
else:
    DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
    DJANGO_APPS = [
        "deltalabs.admin_apps.DeltaAdminConfig",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
    ]

THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
]

PROJECT_APPS = [
    "deltalabs",
    "apps.identity",
    "apps.catalog",
    "apps.learning",
    "apps.engagement",
    "apps.assessment",
    "apps.commerce",
    "apps.labs",
    "apps.ai_orchestration",
]

INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + PROJECT_APPS

# --- HTTP ---------------------------------------------------------------------
MIDDLEWARE = [
    "deltalabs.middleware.RequestIdMiddleware",
    # Wraps everything below: one access-log line for every response.
    "deltalabs.middleware.AccessLogMiddleware",
    # The JSON error body under /v1/ whatever DEBUG says; refuses unknown hosts first.
    "deltalabs.middleware.ApiErrorBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        # Django's, with poisoned text rendered as U+FFFD (deltalabs.text).
        "BACKEND": "deltalabs.templates.DjangoTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Request bodies above this size are refused with 413 before a view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# Django 6 behaviour now: admin URL fields assume https:// when no scheme is typed.
FORMS_URLFIELD_ASSUME_HTTPS = True

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = ("x-request-id", "retry-after", "idempotent-replayed")

# --- Auth (docs/api.md, Authentication and roles) -----------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

JWT_SIGNING_KEY = env_str("JWT_SIGNING_KEY")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    # Revocation lives in apps.identity (RevokedToken); simplejwt's
    # token_blacklist app uses integer keys that MongoDB rejects.
    "BLACKLIST_AFTER_ROTATION": False,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
}

# --- REST API (docs/api.md) ---------------------------------------------------
# ISO 8601 wants a four-digit year (0001); glibc's strftime writes year 1 as "1"
# with %Y and pads it with %4Y, other platforms pad %Y itself.
_ISO_YEAR = next((spelling for spelling in ("%Y", "%4Y") if date(1, 1, 1).strftime(spelling) == "0001"), "%Y")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.identity.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["deltalabs.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["deltalabs.inputs.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "deltalabs.negotiation.ContentNegotiation",
    "DEFAULT_THROTTLE_CLASSES": ["deltalabs.ratelimit.DefaultRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "deltalabs.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "deltalabs.errors.exception_handler",
    "DATETIME_FORMAT": f"{_ISO_YEAR}-%m-%dT%H:%M:%SZ",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": env_int("NUM_PROXIES", 0) or None,
}

# Requests per minute (docs/api.md, Rate limits).
RATE_LIMITS = {
    "auth": env_str("RATE_LIMIT_AUTH", "10/min"),
    "ai_chat": env_str("RATE_LIMIT_AI_CHAT", "20/min"),
    "default": env_str("RATE_LIMIT_DEFAULT", "600/min"),
}

PAGINATION_DEFAULT_LIMIT = 20
PAGINATION_MAX_LIMIT = 100
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
# How long a claimed key blocks duplicates while its first request runs; a
# crashed request frees the key after this.
IDEMPOTENCY_LOCK_SECONDS = env_int("IDEMPOTENCY_LOCK_SECONDS", 120)

SPECTACULAR_SETTINGS = {
    "GET_LIB_DOC_EXCLUDES": "deltalabs.openapi.doc_excludes",
    "TITLE": "Delta Labs API",
    "DESCRIPTION": (
        "REST API of the Delta Labs education platform. Every error response has the body "
        "`{code, message, requestId, details?}`; every response carries `X-Request-ID`. "
        "Lists use cursor pagination (`?cursor=&limit=`). Mutations accept an `Idempotency-Key` header. "
        "Responses are JSON v1: `Accept: application/json` or `application/vnd.deltalabs.v1+json` (answered "
        "with `Content-Type: application/json`); an Accept that excludes both is 406 `not_acceptable`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Views build their input serializers themselves and never with partial=True,
    # so a PATCH body keeps its required fields (drf-spectacular would drop them).
    "COMPONENT_SPLIT_PATCH": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "deltalabs.openapi.postprocess_error_component",
        "deltalabs.openapi.postprocess_undiscriminated_unions",
        "deltalabs.openapi.postprocess_time_zones",
    ],
    # Several models have a "kind" or "status" choice set; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "AssessmentKindEnum": "apps.assessment.models.Assessment.Kind",
        "AssessmentItemKindEnum": "apps.assessment.models.AssessmentItem.Kind",
        "SubmissionStatusEnum": "apps.assessment.models.Submission.Status",
        "LessonKindEnum": "apps.catalog.models.Lesson.Kind",
        "ResourceKindEnum": "apps.catalog.models.Resource.Kind",
        "CourseStatusEnum": "apps.catalog.models.Course.Status",
        "EnrollmentStatusEnum": "apps.learning.models.Enrollment.Status",
        "LabKindEnum": "apps.labs.models.Lab.Kind",
        "BookingStatusEnum": "apps.labs.models.Booking.Status",
        "OrderStatusEnum": "apps.commerce.models.Order.Status",
        # Sponsors and sponsorships share pending/approved/rejected.
        "ReviewStatusEnum": "apps.commerce.models.Sponsor.Status",
    },
}

# --- Redis, cache, sessions (docs/architecture.md, Redis) ---------------------
REDIS_URL = env_str("REDIS_URL")
REDIS_TIMEOUT_SECONDS = env_float("REDIS_TIMEOUT_SECONDS", 0.5)


def redis_cache(location: str, *, fail_soft: bool) -> dict:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_FUNCTION": "deltalabs.cache.make_key",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT_SECONDS,
            "SOCKET_TIMEOUT": REDIS_TIMEOUT_SECONDS,
            # "default" serves reads: a Redis outage is a cache miss. "strict"
            # serves idempotency and rate limits, whose callers decide.
            "IGNORE_EXCEPTIONS": fail_soft,
        },
    }


if REDIS_URL:
    CACHES = {
        "default": redis_cache(REDIS_URL, fail_soft=True),
        "strict": redis_cache(REDIS_URL, fail_soft=False),
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "deltalabs-default",
            "KEY_FUNCTION": "deltalabs.cache.make_key",
        },
        "strict": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "deltalabs-strict",
            "KEY_FUNCTION": "deltalabs.cache.make_key",
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
CATALOG_CACHE_SECONDS = env_int("CATALOG_CACHE_SECONDS", 300)
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 120)

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without Redis, tasks run in-process (the embedded default, docs/architecture.md, Redis).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
# Every task is idempotent, so a task is acknowledged only once it finished
# and a worker that dies mid-task hands it back to the queue.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 90)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Workers log through Django's LOGGING (JSON in production) instead of
# replacing the root logger with Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic tasks: every entry names a registered, idempotent task (a test runs
# each one twice and checks that the second run changes nothing). Exactly one
# beat process runs per deployment (docs/deploy.md).
CELERY_BEAT_SCHEDULE = {
    "identity-cleanup-revoked-tokens": {
        "task": "apps.identity.jobs.cleanup_revoked_tokens",
        "schedule": crontab(minute=17, hour="*/6"),
    },
    # Reminders go out about 24 hours ahead; a booking starting within 24 h is
    # reminded on the next run (claimed per booking, so overlaps send once).
    "labs-send-booking-reminders": {
        "task": "apps.labs.jobs.send_booking_reminders",
        "schedule": crontab(minute="*/15"),
    },
    "commerce-expire-stale-carts": {
        "task": "apps.commerce.jobs.expire_stale_carts",
        "schedule": crontab(minute=41, hour=3),
    },
    # Orders left pending past their 15-minute deadline (a crash between the
    # checkout's phases, a provider that did not answer) are settled with the
    # provider's answer about their key.
    "commerce-reconcile-pending-orders": {
        "task": "apps.commerce.jobs.reconcile_pending_orders",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Email ----------------------------------------------------------------------
# Console backend by default (mail is printed by the process that sends it:
# the worker, or the web process when tasks run eagerly); SMTP as soon as
# EMAIL_HOST is set. EMAIL_BACKEND overrides both (e.g. the file backend in a
# staging environment, with EMAIL_FILE_PATH).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
if EMAIL_HOST:
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    # Implicit TLS (port 465) and STARTTLS (587) exclude each other.
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "emails"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Delta Labs <no-reply@deltalabs.example>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Integrations ---------------------------------------------------------------
PAYMENT_PROVIDER = env_str("PAYMENT_PROVIDER", "sandbox")
PAYMENT_TIMEOUT_SECONDS = env_float("PAYMENT_TIMEOUT_SECONDS", 10.0)
PAYMENT_BASE_URL = env_str("PAYMENT_BASE_URL", "")
PAYMENT_API_KEY = env_str("PAYMENT_API_KEY", "")
AI_PROVIDER = env_str("AI_PROVIDER", "offline")
AI_BASE_URL = env_str("AI_BASE_URL", "")
AI_API_KEY = env_str("AI_API_KEY", "")
AI_MODEL = env_str("AI_MODEL", "")
AI_TIMEOUT_SECONDS = env_float("AI_TIMEOUT_SECONDS", 20.0)

# --- Logging --------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("LOG_FORMAT", "text")  # "json" in production


def logging_config(log_format: str, level: str) -> dict:
    """One console handler; every record carries ``requestId`` and ``user_id``.

    ``json`` writes one JSON object per line: ``time`` (ISO 8601 UTC),
    ``level``, ``logger``, ``message``, ``requestId``, ``user_id``, every
    ``extra`` field of the record (the access log adds ``method``, ``path``,
    ``status``, ``duration_ms``) and, for errors, ``exception`` (the
    traceback). Tracebacks go to the log only, never to a response body.
    """
    if log_format not in ("text", "json"):
        raise ImproperlyConfigured(f"LOG_FORMAT must be 'text' or 'json', got {log_format!r}.")
    formatters = {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(requestId)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(requestId)s %(user_id)s",
            "timestamp": "time",
            "rename_fields": {"levelname": "level", "name": "logger", "exc_info": "exception"},
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "deltalabs.middleware.RequestIdLogFilter"}},
        "formatters": {"main": formatters[log_format]},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "main", "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
            "celery": {"level": level},
        },
    }


LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
