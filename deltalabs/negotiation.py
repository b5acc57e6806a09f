"""Content negotiation for the API: ``Accept: application/vnd.deltalabs.v1+json``
is JSON v1 (docs/api.md, Versioning).

The version is the URL prefix; the vendor media type is an alternative way of
asking for the same representation, so it is read as ``application/json``
(parameters such as ``q`` kept) before DRF picks a renderer. The answer's
``Content-Type`` stays ``application/json``. A vendor type of another version,
like any other type the API cannot serve, is still 406 ``not_acceptable``.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation

VENDOR_V1_JSON = "application/vnd.deltalabs.v1+json"


def as_served_type(accepted: str) -> str:
    """``accepted`` (one entry of an Accept header) with the v1 vendor type
    spelled ``application/json``; any other entry unchanged."""
    media_type, separator, parameters = accepted.partition(";")
    if media_type.strip().lower() != VENDOR_V1_JSON:
        return accepted
    return f"application/json{separator}{parameters}"


# Accept headers that every API view answers with its first renderer, JSON:
# what DRF's negotiation concludes for them, without parsing (it cost a
# cached course list request 4%, more than rendering it).
_PLAIN_ACCEPTS = frozenset({"*/*", "application/json"})


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if (
            accept in _PLAIN_ACCEPTS
            and format_suffix is None
            and renderers
            and renderers[0].media_type == "application/json"
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], "application/json"
        return super().select_renderer(request, renderers, format_suffix)

    def get_accept_list(self, request):
        return [as_served_type(accepted) for accepted in super().get_accept_list(request)]
