"""Project URLs plus views that fail on purpose, in and outside /v1/."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urls


def explode(request):
    raise RuntimeError("secret internals: DATABASE_URL=mongodb://admin:hunter2@db")


urlpatterns = [
    path("v1/_misconfig/boom", explode),
    path("_misconfig/boom", explode),
    *project_urls,
]
