"""The site root for people who open the server in a browser.

``/`` is a small page that sends developers to the API docs and staff to the
admin (it is also where the admin's "View site" link leads). ``/favicon.ico``
is served by the application itself, so browsers asking for it at the root
get an icon, not a 404, whether or not a proxy serves ``/static/``.
"""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

FAVICON = Path(__file__).resolve().parent / "static" / "deltalabs" / "favicon.ico"
# The icon never changes between deployments often enough to matter.
FAVICON_MAX_AGE = 7 * 24 * 60 * 60


@require_safe
def landing(request):
    return render(request, "landing.html")


@require_safe
def favicon(request):
    response = FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
    response["Cache-Control"] = f"public, max-age={FAVICON_MAX_AGE}"
    return response
