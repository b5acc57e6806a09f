"""The staff admin site: Django's admin, branded, with the staff dashboard."""

from django.contrib import admin


class DeltaAdminSite(admin.AdminSite):
    site_header = "Delta Labs staff"
    site_title = "Delta Labs admin"
    index_title = "Cockpit"
