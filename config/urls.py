"""URL routing: the versioned API under /v1/, the admin, health probes, the landing page."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from deltalabs import health, site

# Tried in order on every request: the hottest reads first (no two patterns
# overlap, so the order changes nothing but how soon a route is found).
api_v1 = [
    path("", include("apps.catalog.urls")),
    path("", include("apps.learning.urls")),
    path("", include("apps.identity.urls")),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("", include("apps.engagement.urls")),
    path("", include("apps.assessment.urls")),
    path("", include("apps.commerce.urls")),
    path("", include("apps.labs.urls")),
    path("", include("apps.ai_orchestration.urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("v1/", include(api_v1)),
    path("", site.landing, name="landing"),
    path("favicon.ico", site.favicon, name="favicon"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]

handler400 = "deltalabs.handlers.bad_request"
handler403 = "deltalabs.handlers.permission_denied"
handler404 = "deltalabs.handlers.not_found"
handler500 = "deltalabs.handlers.server_error"
