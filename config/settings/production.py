"""Production: every secret from the environment, hardened HTTP, JSON logs.

Refuses to start without ``SECRET_KEY`` and a separate ``JWT_SIGNING_KEY``.
Passes ``manage.py check --deploy --fail-level WARNING`` with the variables
documented in docs/deploy.md.
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_required, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, SIMPLE_JWT, logging_config

SECRET_KEY = env_required("SECRET_KEY")
JWT_SIGNING_KEY = env_required("JWT_SIGNING_KEY")
if JWT_SIGNING_KEY == SECRET_KEY:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must differ from SECRET_KEY.")
if len(JWT_SIGNING_KEY) < 32:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must be at least 32 characters long.")
SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": JWT_SIGNING_KEY}

# Payments must be chosen on purpose: a deployment that forgot the setting
# would otherwise take the sandbox's test cards and give paid courses away.
PAYMENT_PROVIDER = env_required("PAYMENT_PROVIDER")
if PAYMENT_PROVIDER == "http":
    PAYMENT_BASE_URL = env_required("PAYMENT_BASE_URL")
    PAYMENT_API_KEY = env_required("PAYMENT_API_KEY")
elif PAYMENT_PROVIDER != "sandbox":
    raise ImproperlyConfigured("PAYMENT_PROVIDER must be 'http' (a real gateway) or 'sandbox' (demo deployments).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names this deployment serves.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Database connections ----------------------------------------------------
# Each worker keeps its connection between requests, so connection set-up
# (on SQLite: opening the file, registering functions, the PRAGMAs) is paid
# once per worker rather than once per request; a connection that broke is
# noticed by the health check before reuse and replaced. On MongoDB the
# driver's client is already a per-process pool that monitors its servers.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- HTTPS hardening (a TLS-terminating proxy sits in front) -----------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Health probes come from the load balancer over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = logging_config(LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))
