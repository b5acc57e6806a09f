"""Developer machine: the embedded defaults (SQLite, no Redis needed) with DEBUG on."""

from config.env import env_bool, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import SIMPLE_JWT

DEBUG = env_bool("DEBUG", True)
# Development-only keys; production refuses to start without real ones.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-secret-key-do-not-use-in-production-0123456789")
JWT_SIGNING_KEY = env_str("JWT_SIGNING_KEY", "dev-only-jwt-signing-key-do-not-use-in-production")
SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": JWT_SIGNING_KEY}
