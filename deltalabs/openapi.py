"""OpenAPI generation (drf-spectacular) with the project's cross-cutting contract:
the error body on every error status, ``Idempotency-Key`` on mutations,
``X-Request-ID`` on every response, and the cursor-paginated list shape."""

from __future__ import annotations

import inspect
import zoneinfo

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import get_lib_doc_excludes
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from deltalabs import api, idempotency, inputs

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
    "406": "not_acceptable (Accept excludes application/json and application/vnd.deltalabs.v1+json)",
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

# Exactly the characters Python's str.strip() removes (str.isspace()), spelled
# out so ECMA (Swagger UI, validators) and Python regex engines agree.
_WHITESPACE = r"\t\n\u000b\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK_PATTERN = f"[^{_WHITESPACE}]"

_BASE_VIEW_DOCS = {inspect.cleandoc(cls.__doc__) for cls in (api.ApiView, api.IdempotencyMixin) if cls.__doc__}

_ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
_REQUEST_ID_HEADER = {"X-Request-ID": {"schema": {"type": "string"}, "description": "Request id, echoed or generated."}}


def _decimal_string_bounds(field: serializers.DecimalField, schema: dict) -> dict:
    """What a decimal string in a request must look like. drf-spectacular's
    pattern (``^-?\\d{0,5}(?:\\.\\d{0,2})?$``) also matches "", "." and "-", which
    DRF refuses; this one needs a digit, drops the sign when ``min_value`` is
    not negative, and comes with the matching maxLength."""
    whole, places = field.max_whole_digits, field.decimal_places
    if schema.get("type") != "string" or not whole or places is None:
        return {}
    signed = field.min_value is None or field.min_value < 0
    sign = "-?" if signed else ""
    if places:
        pattern = rf"^{sign}(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
    else:
        pattern = rf"^{sign}\d{{1,{whole}}}$"
    return {"pattern": pattern, "maxLength": int(signed) + whole + (1 + places if places else 0)}


# The supported calendar (deltalabs.dates: 1900-01-01 to 9000-12-31) as a
# pattern on the year, which JSON Schema's ``format`` cannot bound. A
# date-time's offset can move its UTC instant across a year's edge, so its
# pattern keeps to the years inside (1901 to 8999).
SUPPORTED_DATE_PATTERN = r"^(?:19[0-9]{2}|[2-8][0-9]{3}|9000)-"
SUPPORTED_DATETIME_PATTERN = r"^(?:190[1-9]|19[1-9][0-9]|[2-8][0-9]{3})-"
SUPPORTED_DATE_SCHEMA = {"type": "string", "format": "date", "pattern": SUPPORTED_DATE_PATTERN}


def _supported_years_pattern(field: serializers.Field) -> str:
    return SUPPORTED_DATETIME_PATTERN if isinstance(field, serializers.DateTimeField) else SUPPORTED_DATE_PATTERN


def doc_excludes() -> list[type]:
    """``GET_LIB_DOC_EXCLUDES``: drf-spectacular's library classes, and the
    project's base of request serializers, whose docstring describes the base,
    not each body."""
    return [*get_lib_doc_excludes(), inputs.InputSerializer]


class ProjectJWTScheme(SimpleJWTScheme):
    """Documents the project's JWT authentication (a subclass of simplejwt's,
    which drf-spectacular's built-in extension matches only exactly), so
    protected operations declare the bearer scheme in ``security``."""

    match_subclasses = True


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
                    # The bounds the server enforces (400 outside them), so clients and fuzzers see them.
                    type={
                        "type": "string",
                        "maxLength": idempotency.MAX_KEY_LENGTH,
                        **({"minLength": 1} if required else {}),
                    },
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

    def get_description(self) -> str:
        description = super().get_description()
        # drf-spectacular falls back to inherited class docstrings; the shared
        # base classes' ("Base class of every project API view.") say nothing
        # about the operation.
        return "" if description in _BASE_VIEW_DOCS else description

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # DRF trims CharFields before its "may not be blank" check, so "   " is
        # a 400 although it satisfies minLength 1: say "at least one
        # non-whitespace character" in the schema.
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and isinstance(schema, dict)
            and schema.get("type") == "string"
            and not {"pattern", "enum", "format", "$ref"} & schema.keys()
        ):
            schema["pattern"] = NOT_BLANK_PATTERN
        if direction == "request" and isinstance(field, serializers.DecimalField) and isinstance(schema, dict):
            schema.update(_decimal_string_bounds(field, schema))
        dated = isinstance(field, serializers.DateField | serializers.DateTimeField)
        if direction == "request" and dated and isinstance(schema, dict):
            schema.setdefault("pattern", _supported_years_pattern(field))
        return schema

    def get_auth(self):
        auths = super().get_auth()
        # drf-spectacular marks authentication optional ({}) for AllowAny only;
        # PublicReadOnly reads are public too (a token, if sent, must be valid).
        if self._is_public() and {} not in auths:
            auths.append({})
        return auths

    def _is_public(self) -> bool:
        """Callable without a token: AllowAny, or PublicReadOnly on a read."""
        names = {type(p).__name__ for p in self.view.get_permissions()}
        return "AllowAny" in names or ("PublicReadOnly" in names and self.method.upper() in SAFE_METHODS)


def postprocess_error_component(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    return result


def postprocess_undiscriminated_unions(result, generator, request, public):
    """A union of components without a discriminator (PolymorphicProxySerializer
    with ``resource_type_field_name=None``) is ``anyOf``, not ``oneOf``: object
    schemas allow extra properties, so a body of the richer shape (an
    instructor's assessment, with answer keys) also satisfies the poorer one,
    and "exactly one" would reject the very responses the union describes."""
    for component in result.get("components", {}).get("schemas", {}).values():
        options = component.get("oneOf")
        if options and "discriminator" not in component and all(set(option) == {"$ref"} for option in options):
            component["anyOf"] = component.pop("oneOf")
    return result


TIME_ZONE_COMPONENT = "TimeZone"


def postprocess_time_zones(result, generator, request, public):
    """Every writable ``timezone`` field takes an IANA zone name and the server
    answers 400 to anything else, so request bodies document the actual set
    (one shared ``TimeZone`` enum) instead of a free string."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    used = False
    for name, component in schemas.items():
        if not name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST names the request side *Request
            continue
        prop = component.get("properties", {}).get("timezone")
        if prop and prop.get("type") == "string" and "enum" not in prop:
            component["properties"]["timezone"] = {"$ref": f"#/components/schemas/{TIME_ZONE_COMPONENT}"}
            used = True
    if used:
        schemas[TIME_ZONE_COMPONENT] = {
            "type": "string",
            "description": "An IANA time zone name, e.g. Europe/Paris.",
            "enum": sorted(zoneinfo.available_timezones()),
        }
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
    OpenApiParameter(
        "limit",
        # Below 1 is a 400; above 100 is clamped, so no maximum.
        {"type": "integer", "minimum": 1},
        description="Page size, default 20, at most 100 (larger is clamped).",
    ),
]
