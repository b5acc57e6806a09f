"""Every operation of the OpenAPI schema, fuzzed against the app in-process.

Schemathesis loads ``/v1/schema`` from the WSGI application (no server), then
for each operation generates valid and invalid requests (examples, coverage and
fuzzing phases) and runs all of its default checks on every response: no 5xx,
status codes, headers, content types and bodies as documented, invalid input
rejected, valid input accepted, protected operations refusing missing auth.

Calls are authenticated as a fresh learner; mutations get a fresh
``Idempotency-Key`` per call so valid requests are never mistaken for replays.
Operations are discovered from the schema, so a new endpoint is covered as
soon as it is routed and documented.

Where the server rejects schema-valid input for a reason JSON Schema cannot
state, fix the schema if it can say it (deltalabs/openapi.py); otherwise add a
row to ``POSITIVE_BODY_FIXUPS`` (make the generated valid body semantically
valid; preferred, the check stays strict) or to ``SEMANTIC_REJECTIONS``
(widen only the "valid data accepted" check of that operation), with the reason.

``SCHEMATHESIS_MAX_EXAMPLES`` (default 25) bounds the examples per operation;
the run is derandomized, so a failure reproduces on every run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import pytest
import schemathesis
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from hypothesis import HealthCheck, assume, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.mutations import OperatorKind

from apps.identity.services import tokens_for
from config.wsgi import application
from deltalabs.idempotency import HEADER as IDEMPOTENCY_HEADER
from deltalabs.idempotency import MUTATING_METHODS
from tests.factories.identity import UserFactory

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))


def _strong_password(body: dict) -> None:
    body["password"] = f"Fz-{uuid.uuid4().hex[:12]}-q!"


_DJANGO_URL = URLValidator()  # what DRF's URLField runs


def _url_django_accepts(body: dict) -> None:
    website = body.get("website")
    if not isinstance(website, str) or not website:
        return
    try:
        _DJANGO_URL(website)
    except ValidationError:
        body["website"] = "https://sponsor.example.com/about"


# (METHOD, path template) -> function that edits a positive (schema-valid)
# body in place into one the server must accept.
POSITIVE_BODY_FIXUPS: dict[tuple[str, str], Callable[[dict], None]] = {
    # Django's password validators (not common, not numeric, not like the
    # email) have no JSON Schema equivalent; a weak password is a 400.
    ("POST", "/v1/auth/register"): _strong_password,
    # Django's URLValidator is narrower than RFC 3986's `format: uri` (http(s)/ftp(s)
    # only, host at most 253 characters, DNS label and TLD rules), which no
    # JSON Schema keyword states; a URL it refuses is a 400.
    ("POST", "/v1/sponsors"): _url_django_accepts,
}

# (METHOD, path template) -> (extra statuses a schema-valid request may get, why).
# Widens only the positive_data_acceptance check of that one operation.
SEMANTIC_REJECTIONS: dict[tuple[str, str], tuple[list[str], str]] = {
    ("POST", "/v1/ai/execute"): (
        ["400"],
        "arguments are checked against the chosen tool's own JSON Schema (GET /v1/ai/tools), "
        "and a tool the caller may not use answers like an unknown one",
    ),
}

_POSITIVE_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            # DRF refuses NUL characters in every string field (400); the
            # schema does not repeat that on each one.
            "generation": {"allow-x00": False},
            "operations": [
                {
                    "include-method": method,
                    "include-path": path,
                    "checks": {"positive_data_acceptance": {"expected-statuses": _POSITIVE_ACCEPTED + extra}},
                }
                for (method, path), (extra, _reason) in SEMANTIC_REJECTIONS.items()
            ],
        }
    )


schema = schemathesis.openapi.from_wsgi("/v1/schema", application, config=_config())

# Each test flushes the file-backed test database afterwards: the app runs in
# this thread, but Django closes its connection at the end of every request,
# which a rollback-wrapped test could not survive.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Fuzzed emails become long or non-ASCII rate-limit keys: fine for Redis and
    # locmem, which is all this project uses; Django warns on memcached's behalf.
    pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning"),
]


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    """Fuzzing sends hundreds of requests a minute from one client."""
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "1000000/min")


@pytest.fixture
def auth_headers(db) -> dict[str, str]:
    user = UserFactory()
    return {"Authorization": f"Bearer {tokens_for(user).access}"}


def _is_positive(case) -> bool:
    return case.meta is None or not case.meta.generation.mode.is_negative


def _resolve(schema: dict, root: dict) -> dict:
    """Follow local ``$ref``s (schemathesis bundles them under the body schema)."""
    while isinstance(schema, dict) and "$ref" in schema:
        node = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema = node
    return schema if isinstance(schema, dict) else {}


def _as_drf_reads(value, schema: dict, root: dict):
    """``value`` as the server reads it into a field documented by ``schema``:
    strings trimmed, nested objects and lists alike. Types are strict
    (``deltalabs.inputs.InputSerializer``): no other value is read as
    another."""
    schema = _resolve(schema, root)
    kind = schema.get("type")
    if isinstance(value, dict) and (kind == "object" or "properties" in schema):
        properties = schema.get("properties", {})
        return {key: _as_drf_reads(item, properties.get(key, {}), root) for key, item in value.items()}
    if isinstance(value, list) and kind == "array":
        return [_as_drf_reads(item, schema.get("items", {}), root) for item in value]
    if kind == "string" and isinstance(value, str):
        return value.strip()
    return value


def _valid_once_read_by_drf(case) -> bool:
    """A "schema-violating" body the server rightly accepts: once read the way
    DRF reads strings (``" x "`` is "x") it satisfies the schema."""
    if case.body is None or not case.operation.body:
        return False
    body = next(iter(case.operation.body))
    schema = body.definition.get("schema", {})
    read = _as_drf_reads(case.body, schema, schema)
    return read != case.body and body.is_valid(read)


def _prepare(case) -> None:
    method = case.method.upper()
    if not _is_positive(case):
        return  # invalid keys and bodies are what negative cases are about
    # A valid request with a reused key is (correctly) answered 422; fuzzing
    # must not fabricate that. Missing keys stay missing: the
    # missing-required-header check relies on them.
    if method in MUTATING_METHODS and case.headers and case.headers.get(IDEMPOTENCY_HEADER):
        case.headers[IDEMPOTENCY_HEADER] = uuid.uuid4().hex
    # Cursors are opaque: only a next_cursor the server issued is valid (any
    # other is a 400 by docs/api.md, Pagination), so valid requests start from the first page.
    if case.query and "cursor" in case.query:
        case.query.pop("cursor")
    fixup = POSITIVE_BODY_FIXUPS.get((method, case.path))
    if fixup is not None and isinstance(case.body, dict):
        fixup(case.body)


def _token_for(case, auth_headers: dict[str, str]) -> dict[str, str]:
    """The learner's token, unless this negative case removed ``Authorization``
    (the bearer scheme's required header). Schemathesis withholds a removed
    header only when the header is the sole mutated location; in a case that
    also mutates, say, the query, the token would otherwise still be sent and
    the checks would judge a request the server never received."""
    if _is_positive(case) or "Authorization" in (case.headers or {}):
        return auth_headers
    mutations = getattr(case.meta.phase.data, "mutations", ())
    removed = any(
        mutation.parameter == "Authorization"
        and (mutation.operator == OperatorKind.REMOVE_REQUIRED_PROPERTY or "required" in mutation.keywords)
        for mutation in mutations
    )
    return {} if removed else auth_headers


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        # one user per operation, shared by its examples, is the intent
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_operation_conforms_to_schema(case, auth_headers):
    assume(_is_positive(case) or not _valid_once_read_by_drf(case))
    _prepare(case)
    case.call_and_validate(headers=_token_for(case, auth_headers))
