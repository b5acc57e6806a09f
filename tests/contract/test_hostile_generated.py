"""Every operation of ``/v1/schema`` driven with generated hostile input.

Where ``test_schemathesis.py`` checks the contract with what the schema says,
this module sends what an attacker sends, built by hypothesis from the same
schema: bodies of the documented shape whose values, at any depth (object keys
included), may be lone surrogates, NUL, bidi controls, 10,000-character
strings, deep nesting (up to 100,000 levels, as raw JSON), extreme numbers
(beyond 64 bits, ``NaN``/``Infinity``/``1e999`` literals), extreme dates and
values of the wrong JSON type; query values of the same kinds, crafted
cursors included. Path ids point at a small world of real objects the callers
may reach (a learner, a superuser, or nobody), so requests get past the 404s
into the code that reads the input.

For every request: never a 5xx; every 4xx carries the error body with the
``X-Request-ID`` it was sent with; a refused request (any 4xx but the
documented exceptions in ``KEPT_ON_REFUSAL``) changes no row of any project
model.

``HOSTILE_MAX_EXAMPLES`` (default 30) bounds the examples per operation; the
run is derandomized, so a failure reproduces on every run.
"""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from apps.commerce.models import Order
from apps.labs import services as labs_services
from config.wsgi import application
from tests.conftest import client_for
from tests.factories.ai_orchestration import ConversationFactory
from tests.factories.assessment import AssessmentFactory, ChoiceItemFactory, SubmissionFactory, TextItemFactory
from tests.factories.catalog import (
    CategoryFactory,
    CourseFactory,
    CourseInstructorFactory,
    LessonFactory,
    ResourceFactory,
)
from tests.factories.commerce import PaidCourseFactory, SponsorMemberFactory, SponsorshipFactory
from tests.factories.engagement import AnswerFactory, QuestionFactory
from tests.factories.identity import StaffFactory, UserFactory
from tests.factories.labs import LabFactory, local
from tests.factories.learning import EnrollmentFactory

MAX_EXAMPLES = int(os.environ.get("HOSTILE_MAX_EXAMPLES", "30"))
PROJECT_APPS = ("identity", "catalog", "learning", "engagement", "assessment", "commerce", "labs", "ai_orchestration")

# (status, path prefix) -> why a refused request there may still write rows.
KEPT_ON_REFUSAL: dict[tuple[int, str], str] = {
    (402, "/v1/orders"): "a declined card keeps the failed order (docs/api.md, POST /v1/orders)",
}
# The assistant stores every call as proposed, refused ones included (decisions.md,
# AI orchestration): a refusal by a tool (not by the input boundary) writes its audit rows.
AUDITED_PATHS = ("/v1/ai/execute", "/v1/ai/chat")
AUDIT_MODELS = {"ai_orchestration.toolcall", "ai_orchestration.message", "ai_orchestration.conversation"}

_RAW = schemathesis.openapi.from_wsgi("/v1/schema", application).raw_schema
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in _RAW["paths"].items()
    for method, operation in item.items()
    if method in {"get", "post", "patch", "put", "delete"}
]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning"),
]


class Raw(str):
    """JSON text written verbatim into a body (what no encoder writes)."""


def encode(value) -> str:
    """JSON text; lone surrogates travel as ``\\ud800`` escapes, ``Raw`` as is."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(key))}:{encode(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(item) for item in value) + "]"
    return json.dumps(value)


# --- Hostile values ------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "\ud800",
    "tail \udfff",
    "\udc00\ud800",
    "\x00",
    "nul \x00 inside",
    "\u202egnp.exe\u202c",
    "\u2066isolate\u2069 \u200f",
    "\ufeff",
    "\U0001f600",
    "x" * 10_000,
    "y" * 10_001,
    "",
    "   ",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
]
EXTREME_DATES = [
    "9999-12-31",
    "9999-12-28",
    "0001-01-01",
    "0000-00-00",
    "2026-02-30",
    "9999-12-31T23:00:00Z",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "2026-11-26T09:00:00",
    "2026-11-26T09:00:00+25:00",
    "1899-12-31T23:59:59Z",
]
EXTREME_NUMBERS = [0, -1, 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, 1.5, -0.0, 1e308, 5e-324, 3.0]
RAW_NUMBERS = [Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("1e999"), Raw("-1e999"), Raw("9" * 400)]
WRONG_TYPES = [None, True, False, [], {}, ["x"], {"k": "v"}, [[[]]]]


def nested(depth: int, inner="x"):
    value = inner
    for level in range(depth):
        value = [value] if level % 2 else {"n": value}
    return value


def deep_raw(depth: int) -> Raw:
    return Raw("[" * depth + "]" * depth)


HOSTILE_SCALARS = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.sampled_from(EXTREME_DATES),
    st.sampled_from(EXTREME_NUMBERS),
    st.sampled_from(RAW_NUMBERS),
    st.sampled_from(WRONG_TYPES),
    st.text(max_size=12),
)
HOSTILE_VALUES = st.one_of(
    HOSTILE_SCALARS,
    st.sampled_from([31, 32, 33, 64]).map(nested),
    st.sampled_from([1_000, 100_000]).map(deep_raw),
    st.lists(HOSTILE_SCALARS, max_size=3),
    st.dictionaries(st.sampled_from([*HOSTILE_TEXT, "k", "id"]), HOSTILE_SCALARS, max_size=2),
)
HOSTILE_KEYS = st.sampled_from([*HOSTILE_TEXT[:9], "k" * 256, "unknown", "__proto__"])


# --- The world the requests act on ------------------------------------------------------------------


@dataclass
class World:
    learner: object
    staff: object
    ids: dict[str, list[str]]  # path parameter / body field -> real ids
    items: list[str]  # assessment item ids (keys of answers)
    slot_starts: list[str]
    signatures: list[str] = field(default_factory=list)  # cursor orderings the server writes

    def client(self, who: str) -> APIClient:
        return {"learner": client_for(self.learner), "staff": client_for(self.staff), "anonymous": APIClient()}[who]


def _slots_in_two_days(lab) -> list[datetime]:
    day = (datetime.now(UTC) + timedelta(days=2)).astimezone(ZoneInfo(lab.timezone)).date()
    return [local(lab, day.year, day.month, day.day, hour) for hour in (10, 11, 12)]


@pytest.fixture
def world(db, settings) -> World:
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "1000000/min")
    learner, staff, classmate = UserFactory(), StaffFactory(), UserFactory()
    category = CategoryFactory()
    course = CourseFactory(category=category)
    CourseFactory(category=category)
    CourseInstructorFactory(course=course, user=UserFactory())
    lesson = LessonFactory(section__course=course)
    ResourceFactory(course=course)
    enrollment = EnrollmentFactory(course=course, user=learner)
    EnrollmentFactory(course=course, user=classmate)
    assessment = AssessmentFactory(course=course)
    choice, text = ChoiceItemFactory(assessment=assessment), TextItemFactory(assessment=assessment)
    submission = SubmissionFactory(assessment=assessment, user=classmate, status="submitted", score=None)
    question = QuestionFactory(course=course, author=learner)
    answer = AnswerFactory(question=question, author=learner)
    lab = LabFactory(required_course=None)
    LabFactory()
    slots = _slots_in_two_days(lab)
    booking = labs_services.booking_create(actor=learner, lab_id=lab.pk, start=slots[0])
    sponsorship = SponsorshipFactory(sponsor=SponsorMemberFactory(user=learner).sponsor)
    conversation = ConversationFactory(user=learner)
    paid, in_cart = PaidCourseFactory(), PaidCourseFactory()
    client = client_for(learner)
    assert client.post("/v1/cart/items", {"course_id": str(paid.pk)}, format="json").status_code == 201
    checkout = client.post(
        "/v1/orders", {"payment": {"method": "card", "token": "tok_visa"}}, format="json", HTTP_IDEMPOTENCY_KEY="w"
    )
    assert checkout.status_code == 201, checkout.content
    assert client.post("/v1/cart/items", {"course_id": str(in_cart.pk)}, format="json").status_code == 201
    ids = {
        "course_id": [str(course.pk), str(paid.pk), str(in_cart.pk), course.slug],
        "lesson_id": [str(lesson.pk)],
        "enrollment_id": [str(enrollment.pk)],
        "assessment_id": [str(assessment.pk)],
        "submission_id": [str(submission.pk)],
        "question_id": [str(question.pk)],
        "answer_id": [str(answer.pk)],
        "lab_id": [str(lab.pk)],
        "booking_id": [str(booking.pk)],
        "sponsor_id": [str(sponsorship.sponsor_id)],
        "order_id": [str(Order.objects.get(user=learner).pk)],
        "conversation_id": [str(conversation.pk)],
        "category": [str(category.pk), category.slug],
        "instructor": [str(staff.pk)],
    }
    world = World(
        learner=learner,
        staff=staff,
        ids=ids,
        items=[str(choice.pk), str(text.pk)],
        slot_starts=[start.strftime("%Y-%m-%dT%H:%M:%SZ") for start in slots[1:]],
    )
    world.signatures = _signatures(world)
    return world


def _signatures(world: World) -> list[str]:
    """The orderings real cursors carry, read from a first page of each list."""
    found = {"-published_at,id", "position,name,id", "title,id", "-created_at,id"}
    for method, path, operation in OPERATIONS:
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        if method != "GET" or "cursor" not in names or "{" in path:
            continue
        cursor = world.client("staff").get(f"{path}?limit=1").json().get("next_cursor")
        if cursor:
            found.add(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["o"])
    return sorted(found)


# --- Strategies from the schema ------------------------------------------------------------------------


def _resolve(schema: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        node = _RAW
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema if isinstance(schema, dict) else {}


TOOL_ARGUMENT_NAMES = [
    "q",
    "lab_id",
    "course_id",
    "enrollment_id",
    "booking_id",
    "date_from",
    "date_to",
    "start",
    "cursor",
    "limit",
    "upcoming",
    "status",
    "kind",
    "level",
]


def plausible(schema: dict, name: str, world: World, depth: int = 0) -> st.SearchStrategy:
    """A value of the documented shape (often valid, so requests reach deep code)."""
    schema = _resolve(schema)
    variants = schema.get("oneOf") or schema.get("anyOf") or schema.get("allOf")
    if variants:
        return st.one_of([plausible(variant, name, world, depth) for variant in variants])
    if "enum" in schema:
        return st.sampled_from([value for value in schema["enum"] if value is not None] or [None])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return _object(schema, name, world, depth)
    if kind == "array":
        return st.lists(value_for(schema.get("items", {}), name, world, depth + 1), min_size=1, max_size=3)
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum", 0), max_value=min(schema.get("maximum", 5), 5))
    if kind == "number":
        return st.sampled_from([0, 1, 2.5, 7.25])
    if kind == "boolean":
        return st.booleans()
    return _string(schema, name, world)


def _string(schema: dict, name: str, world: World) -> st.SearchStrategy:
    fmt = schema.get("format")
    if name in world.ids or fmt == "uuid":
        return st.sampled_from(world.ids.get(name) or [value for values in world.ids.values() for value in values])
    if fmt == "date-time" or name == "start":
        return st.sampled_from(world.slot_starts)
    if fmt == "date" or name.startswith("date_"):
        return st.sampled_from(["2026-03-02", "2026-12-01"])
    if fmt == "email" or name == "email":
        return st.uuids().map(lambda value: f"u{value.hex[:10]}@example.test")
    if name == "password":
        return st.just("Fz-hostile-Pass-42!")
    if name == "token":
        return st.sampled_from(["tok_visa", "tok_declined"])
    if name == "timezone":
        return st.sampled_from(["Europe/Berlin", "UTC"])
    if name == "website" or fmt == "uri":
        return st.just("https://sponsor.example.com")
    return st.sampled_from(["Plain text", "What about labs?", "ok"])


def _object(schema: dict, name: str, world: World, depth: int) -> st.SearchStrategy:
    properties = schema.get("properties", {})
    if not properties:
        if name == "answers" or (isinstance(schema.get("additionalProperties"), dict) and name != "arguments"):
            keys = st.one_of(st.sampled_from(world.items), HOSTILE_KEYS)
            values = value_for(schema.get("additionalProperties", {}), name, world, depth + 1)
        else:  # free-form (a tool's arguments): the names tools read, and others
            keys = st.one_of(st.sampled_from(TOOL_ARGUMENT_NAMES), HOSTILE_KEYS)
            values = st.one_of(
                st.sampled_from([*world.ids["lab_id"], *world.ids["course_id"], *world.slot_starts, "2026-03-02", 1]),
                HOSTILE_VALUES,
            )
        return st.dictionaries(keys, values, max_size=4)
    required = set(schema.get("required", []))
    return st.fixed_dictionaries(
        {key: value_for(value, key, world, depth + 1) for key, value in properties.items() if key in required},
        optional={
            key: value_for(value, key, world, depth + 1) for key, value in properties.items() if key not in required
        },
    )


def value_for(schema: dict, name: str, world: World, depth: int) -> st.SearchStrategy:
    """Mostly the documented shape, often a hostile value instead, at any depth."""
    return st.one_of(plausible(schema, name, world, depth), HOSTILE_VALUES, plausible(schema, name, world, depth))


def body_for(operation: dict, world: World) -> st.SearchStrategy:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    shaped = value_for(content["schema"], "body", world, 0) if content else st.just({})
    return st.one_of(
        shaped,
        shaped,
        shaped,
        st.sampled_from([Raw("[" * 100_000 + "]" * 100_000), Raw('{"a":' * 50_000 + "1" + "}" * 50_000)]),
        HOSTILE_VALUES,
    )


# --- Query strings -------------------------------------------------------------------------------------


def crafted_cursor(world: World) -> st.SearchStrategy:
    values = st.lists(
        st.one_of(
            st.sampled_from([*EXTREME_DATES, *HOSTILE_TEXT[:9], str(uuid.uuid4())]),
            st.sampled_from([*EXTREME_NUMBERS, *WRONG_TYPES]),
            st.sampled_from(["NaN", "Infinity"]).map(Raw),
        ),
        min_size=0,
        max_size=4,
    )
    payload = st.builds(
        lambda o, v: Raw(f'{{"o":{json.dumps(o)},"v":{encode(v)}}}'), st.sampled_from(world.signatures), values
    )
    raw = st.one_of(payload, st.sampled_from(["[", "null", "{}", '{"o":1,"v":2}', "[" * 3000]).map(Raw))
    return raw.map(lambda text: base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode().rstrip("="))


QUERY_HOSTILE = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.sampled_from(EXTREME_DATES),
    st.sampled_from(["NaN", "Infinity", "-1", "0", "1e999", "99999999999999999999999", "1.5", "true", "TRUE", "null"]),
)


def query_value(parameter: dict, world: World) -> st.SearchStrategy:
    name = parameter["name"]
    schema = _resolve(parameter.get("schema", {}))
    if name == "cursor":
        return st.one_of(crafted_cursor(world), QUERY_HOSTILE)
    documented = plausible(schema, name, world).map(
        lambda value: str(value).lower() if isinstance(value, bool) else str(value)
    )
    return st.one_of(documented, QUERY_HOSTILE)


def query_for(operation: dict, world: World) -> st.SearchStrategy:
    parameters = [parameter for parameter in operation.get("parameters", []) if parameter.get("in") == "query"]
    if not parameters:
        return st.just({})
    return st.fixed_dictionaries({}, optional={p["name"]: query_value(p, world) for p in parameters})


def _percent(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


# --- The test ------------------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and not model._meta.proxy
    }


def _changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {label: (before[label], after[label]) for label in before if before[label] != after[label]}


def _may_keep(status: int, path: str, body: dict, changed: dict) -> bool:
    if any(status == kept_status and path.startswith(prefix) for kept_status, prefix in KEPT_ON_REFUSAL):
        return True
    # A tool's own refusal is audited; a refusal at the input boundary is not.
    return path in AUDITED_PATHS and body.get("code") != "validation_error" and set(changed) <= AUDIT_MODELS


def _fill_path(template: str, world: World) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: world.ids[match.group(1)][0], template)


@pytest.mark.parametrize(("method", "template", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_hostile_input_never_breaks_the_contract(method, template, operation, world):
    path = _fill_path(template, world)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(
        who=st.sampled_from(["learner", "staff", "anonymous"]),
        query=query_for(operation, world),
        body=body_for(operation, world) if method != "GET" else st.none(),
    )
    def run(who, query, body):
        url = path + ("?" + "&".join(f"{_percent(k)}={_percent(v)}" for k, v in query.items()) if query else "")
        request_id = f"hostile-{uuid.uuid4().hex}"
        headers = {"HTTP_X_REQUEST_ID": request_id, "HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex}
        data = b"" if body is None else encode(body).encode("utf-8", "surrogatepass")
        before = row_counts()
        response = world.client(who).generic(method, url, data=data, content_type="application/json", **headers)
        status = response.status_code
        assert status < 500, (status, response.content[:500])
        assert response["X-Request-ID"] == request_id
        if status < 400:
            return
        payload = json.loads(response.content)
        assert set(payload) >= {"code", "message", "requestId"} and payload["requestId"] == request_id, payload
        changed = _changed(before, row_counts())
        assert not changed or _may_keep(status, template, payload, changed), (status, payload, changed)

    run()
