"""Django-level error handlers: JSON error bodies under /v1/ (unknown URLs,
errors outside DRF), Django's HTML pages elsewhere (the admin).

Django calls these only with ``DEBUG`` off; with it on it answers its debug
pages instead, which ``deltalabs.middleware.ApiErrorBodyMiddleware`` replaces
under /v1/ by the same bodies (``errors.error_response_for_status``).
"""

from __future__ import annotations

from django.views import defaults

from deltalabs import errors


def not_found(request, exception=None):
    if errors.is_api_path(request.path):
        return errors.error_response_for_status(404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if errors.is_api_path(request.path):
        return errors.error_response_for_status(500)
    return defaults.server_error(request)


def bad_request(request, exception=None):
    if errors.is_api_path(request.path):
        if isinstance(exception, errors.RequestDataTooBig):
            return errors.error_response_for_status(413)
        return errors.error_response_for_status(400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if errors.is_api_path(request.path):
        return errors.error_response_for_status(403)
    return defaults.permission_denied(request, exception)
