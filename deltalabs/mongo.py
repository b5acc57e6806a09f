"""App configs for Django's contrib apps when running on MongoDB.

Contrib models use integer auto keys; on MongoDB they get ObjectId keys and
the migrations committed under ``mongo_migrations/`` (see the README). The
admin's config lives in ``deltalabs.admin_apps``.
"""

from django.contrib.auth.apps import AuthConfig
from django.contrib.contenttypes.apps import ContentTypesConfig

OBJECT_ID_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"


class MongoAuthConfig(AuthConfig):
    default_auto_field = OBJECT_ID_AUTO_FIELD


class MongoContentTypesConfig(ContentTypesConfig):
    default_auto_field = OBJECT_ID_AUTO_FIELD
