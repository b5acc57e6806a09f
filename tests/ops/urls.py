"""Probe routes for the logging tests: a DRF view and a plain Django view that fail, plus the project's URLs."""

from django.urls import path

from tests.deltalabs.probe_urls import handler400, handler403, handler404, handler500  # noqa: F401
from tests.deltalabs.probe_urls import urlpatterns as probe_urls


def plain_boom(request):
    raise RuntimeError("plain view internals: api_key=sk-live-123")


urlpatterns = [
    path("v1/_ops/plain-boom", plain_boom),
    path("ops/plain-boom", plain_boom),
    *probe_urls,
]
