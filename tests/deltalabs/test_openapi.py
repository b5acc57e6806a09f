"""The schema says what the server does (deltalabs.openapi): regressions found
by the schemathesis run in tests/contract."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from deltalabs.errors import ValidationFailed
from deltalabs.pagination import parse_limit


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _request_component(schema, name):
    return schema["components"]["schemas"][name]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1/labs"),
        ("get", "/v1/labs/{lab_id}"),
        ("get", "/v1/labs/{lab_id}/availability"),
        ("get", "/v1/sponsors"),
        ("get", "/v1/sponsors/{sponsor_id}"),
        ("get", "/v1/courses"),
    ],
)
def test_public_reads_make_the_token_optional(schema, method, path):
    # PublicReadOnly reads answer without a token: the bearer scheme is optional ({}).
    assert {} in schema["paths"][path][method]["security"]


def test_writes_behind_public_reads_still_need_the_token(schema):
    security = schema["paths"]["/v1/sponsors"]["post"]["security"]
    assert security and {} not in security


def test_patch_bodies_keep_their_required_fields(schema):
    # Views never build PATCH serializers with partial=True.
    progress = schema["paths"]["/v1/enrollments/{enrollment_id}/progress"]["patch"]
    ref = progress["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(component["required"]) == {"lesson_id", "completed"}
    assert not any(name.startswith("Patched") for name in schema["components"]["schemas"])


def test_request_decimals_need_a_digit_and_are_bounded(schema):
    score = _request_component(schema, "SubmissionGradeInputRequest")["properties"]["score"]
    pattern = re.compile(score["pattern"])
    assert score["maxLength"] == 8  # 5 whole digits, the point, 2 places; min_value 0: no sign
    for accepted in ("0", "17.5", "20.00", "12345.67", ".5", "3."):
        assert pattern.search(accepted), accepted
    for refused in ("", ".", "-", "-1", "1.234", "123456", "1e2", "abc"):
        assert not pattern.search(refused), refused


@pytest.mark.parametrize("raw", ["", "0", "-3", "ten"])
def test_a_limit_that_is_not_a_positive_integer_is_refused(raw):
    # "" included: the schema documents an integer, and an empty value is not one.
    with pytest.raises(ValidationFailed):
        parse_limit(raw)


def test_unions_without_a_discriminator_are_any_of(schema):
    # An instructor's assessment (with answer keys) also satisfies the learner
    # shape, so "oneOf" would refuse it; the union is "anyOf".
    union = schema["components"]["schemas"]["AssessmentForCaller"]
    assert "oneOf" not in union
    assert [option["$ref"].rsplit("/", 1)[1] for option in union["anyOf"]] == [
        "LearnerAssessment",
        "InstructorAssessment",
    ]
