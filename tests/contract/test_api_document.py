"""The written contract (docs/api.md) and the OpenAPI schema list the same operations.

docs/api.md gives every operation a heading of its own, ``#### METHOD /v1/path``,
with the path spelled as the schema spells it. A route added without its
paragraph, or a paragraph left behind by a removed route, fails here.
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from config.env import BASE_DIR

CONTRACT = BASE_DIR / "docs" / "api.md"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_OPERATION_HEADING = re.compile(r"^#{2,6}\s+(GET|POST|PUT|PATCH|DELETE)\s+(/v1/\S*)\s*$", re.MULTILINE)


def documented_operations(text: str) -> list[str]:
    return [f"{method} {path}" for method, path in _OPERATION_HEADING.findall(text)]


@pytest.fixture(scope="module")
def schema_operations() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }


@pytest.fixture(scope="module")
def contract_operations() -> list[str]:
    return documented_operations(CONTRACT.read_text(encoding="utf-8"))


def test_every_schema_operation_is_in_the_contract(schema_operations, contract_operations):
    missing = sorted(schema_operations - set(contract_operations))
    assert missing == [], f"add a '#### METHOD /v1/...' paragraph to docs/api.md for: {missing}"


def test_every_contract_operation_is_in_the_schema(schema_operations, contract_operations):
    stale = sorted(set(contract_operations) - schema_operations)
    assert stale == [], f"docs/api.md documents operations the API does not serve: {stale}"


def test_each_operation_is_documented_once(contract_operations):
    repeated = sorted({operation for operation in contract_operations if contract_operations.count(operation) > 1})
    assert repeated == []


def test_the_heading_parser_reads_what_the_document_writes():
    # A guard on the guard: a parser that matched nothing would make both
    # directions above vacuous on an empty document.
    sample = "## Labs\n\n#### GET /v1/labs/{lab_id}\ntext\n#### POST /v1/labs/{lab_id}/bookings\n`GET /v1/x` inline\n"
    assert documented_operations(sample) == ["GET /v1/labs/{lab_id}", "POST /v1/labs/{lab_id}/bookings"]
