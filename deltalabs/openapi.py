"""OpenAPI generation (drf-spectacular) with the project's cross-cutting contract:
the error body on every error status, ``Idempotency-Key`` on mutations,
``X-Request-ID`` on every response, and the cursor-paginated list shape."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, inline_serializer
from rest_framework import serializers

from deltalabs import idempotency

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "The body of every non-2xx response.",
    "properties": {
        "code": {"type": "string", "description": "Stable snake_case error code.", "example": "not_found"},
        "message": {"type": "string", "description": "Human-readable explanation."},
        "requestId": {"type": "string", "nullable": True, "description": "Echo of X-Request-ID; quote it in reports."},
        "details": {
            "type": "object",
            "additionalProperties": True,
            "description": "Optional; for validation errors maps field -> list of messages.",
        },
    },
    "required": ["code", "message", "requestId"],
}

_ERROR_DESCRIPTIONS = {
    "400": "validation_error (and other 400 codes)",
    "401": "not_authenticated / token_invalid",
    "403": "permission_denied",
    "404": "not_found",
    "405": "method_not_allowed",
    "406": "not_acceptable",
    "409": "conflict (see the operation for codes)",
    "413": "payload_too_large",
    "415": "unsupported_media_type",
    "422": "idempotency_key_reused",
    "429": "rate_limited (with Retry-After)",
    "500": "internal_error",
    "503": "service_unavailable",
}
_ALWAYS = ("400", "401", "405", "406", "429", "500")
_WITH_BODY = ("413", "415")
_MUTATION = ("409", "422", "503")

_ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
_REQUEST_ID_HEADER = {"X-Request-ID": {"schema": {"type": "string"}, "description": "Request id, echoed or generated."}}


class AutoSchema(SpectacularAutoSchema):
    """Adds the project's headers and error responses to every operation."""

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        method = self.method.upper()
        if method in idempotency.MUTATING_METHODS:
            required = method in getattr(self.view, "idempotency_required", frozenset())
            parameters.append(
                OpenApiParameter(
                    name=idempotency.HEADER,
                    type=OpenApiTypes.STR,
                    location=OpenApiParameter.HEADER,
                    required=required,
                    description=(
                        "Makes the request safe to retry: same key + same body replays the first "
                        "response (Idempotent-Replayed: true) for 24 h. At most 255 characters."
                        + (" Required on this operation." if required else "")
                    ),
                )
            )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        codes = list(_ALWAYS)
        if self.path_regex and "{" in self.path:
            codes.append("404")
        if not self._is_public():
            codes.append("403")
        if method in idempotency.MUTATING_METHODS:
            codes.extend(_MUTATION + _WITH_BODY)
            codes.append("404")
            codes.append("403")
        for code in codes:
            responses.setdefault(
                code,
                {"content": {"application/json": {"schema": _ERROR_REF}}, "description": _ERROR_DESCRIPTIONS[code]},
            )
        for code, response in responses.items():
            response.setdefault("headers", {}).update(_REQUEST_ID_HEADER)
            if code == "429":
                response["headers"]["Retry-After"] = {"schema": {"type": "integer"}, "description": "Seconds to wait."}
        return responses

    def _is_public(self) -> bool:
        return any(type(p).__name__ in ("AllowAny", "PublicReadOnly") for p in self.view.get_permissions())


def postprocess_error_component(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    return result


def paginated(serializer_class, name: str | None = None):
    """Response schema of a cursor-paginated list of ``serializer_class``."""
    base = name or serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        name=f"Paginated{base}List",
        fields={
            "results": serializer_class(many=True),
            "next_cursor": serializers.CharField(allow_null=True, help_text="Pass as ?cursor= for the next page."),
        },
    )


PAGINATION_PARAMETERS = [
    OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque cursor from a previous page's next_cursor."),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Page size, default 20, at most 100 (larger is clamped)."),
]


class ProjectJWTScheme(SimpleJWTScheme):
    """The bearer-token scheme for our simplejwt subclass (drf-spectacular only
    matches the exact class); without it ``check --deploy`` warns on every view."""

    target_class = "apps.identity.authentication.JWTAuthentication"
