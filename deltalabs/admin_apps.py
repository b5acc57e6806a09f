"""The admin app config: Django's admin with the Delta Labs site (dashboard, branding)."""

from django.contrib.admin.apps import AdminConfig

from deltalabs.mongo import OBJECT_ID_AUTO_FIELD


class DeltaAdminConfig(AdminConfig):
    default_site = "deltalabs.admin_site.DeltaAdminSite"


class MongoDeltaAdminConfig(DeltaAdminConfig):
    default_auto_field = OBJECT_ID_AUTO_FIELD
