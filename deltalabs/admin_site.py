"""The staff admin site: Django's admin, branded, with the staff dashboard on
its index page (key numbers and charts registered by the domain apps) and the
signed-in staff member's recent actions from the audit trail."""

from django.contrib import admin
from django.utils.safestring import mark_safe

from deltalabs import audit, charts, dashboard
from deltalabs.admin_base import admin_change_url

RECENT_ACTIONS = 10


class DeltaAdminSite(admin.AdminSite):
    site_header = "Delta Labs staff"
    site_title = "Delta Labs admin"
    index_title = "Cockpit"
    index_template = "admin/delta_index.html"
    # The cockpit must fit a laptop screen (1366 px): the sidebar would take a
    # fifth of the width from every list; breadcrumbs and the index suffice.
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        data = dashboard.dashboard_data()
        rendered = [
            {**chart, "svg": mark_safe(charts.render(chart))}  # noqa: S308 - SVG built from escaped values
            for chart in data["charts"]
        ]
        context = {
            "dashboard": {**data, "charts": rendered},
            "recent_actions": self.recent_actions(request),
            **(extra_context or {}),
        }
        return super().index(request, extra_context=context)

    def recent_actions(self, request) -> list[dict]:
        """The staff member's latest audited changes, made anywhere (admin, API, assistant)."""
        return [
            {"entry": entry, "url": admin_change_url(self, entry.target_type, entry.target_id)}
            for entry in audit.recent_by_actor(request.user.pk, limit=RECENT_ACTIONS)
        ]
