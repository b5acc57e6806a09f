"""The staff admin site: Django's admin, branded, with the staff dashboard on
its index page (key numbers and charts registered by the domain apps)."""

from django.contrib import admin
from django.utils.safestring import mark_safe

from deltalabs import charts, dashboard


class DeltaAdminSite(admin.AdminSite):
    site_header = "Delta Labs staff"
    site_title = "Delta Labs admin"
    index_title = "Cockpit"
    index_template = "admin/delta_index.html"

    def index(self, request, extra_context=None):
        data = dashboard.dashboard_data()
        rendered = [
            {**chart, "svg": mark_safe(charts.render(chart))}  # noqa: S308 - SVG built from escaped values
            for chart in data["charts"]
        ]
        context = {"dashboard": {**data, "charts": rendered}, **(extra_context or {})}
        return super().index(request, extra_context=context)
