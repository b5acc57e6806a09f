"""Poisoned text stored behind the API's back never breaks a read (deltalabs.text),
and ``manage.py check_data`` reports every such value.

How the poison is stored (SQLite): Python's ``sqlite3`` refuses to bind a ``str``
holding a lone surrogate (UTF-8 cannot encode it), so the test binds the
``surrogatepass`` encoding of ``"\\ud800"`` (bytes ED A0 80) followed by a NUL as a
BLOB and ``CAST``s it to TEXT, appended with ``||`` to every row of the column:
SQLite stores the bytes unchecked, which is what a script, a bad import or another
driver can leave, and what the stock ``sqlite3`` module then fails to decode on
every query that reads the column. JSON fields hold a surrogate the way JSON itself
allows, as the escape ``\\ud800`` (the ORM writes it, its encoder escaping non-ASCII),
which decodes back to a lone surrogate on every read; NUL goes in as ``\\u0000``.
MongoDB cannot hold either (BSON strings are UTF-8, and pymongo refuses to encode a
lone surrogate), so the module runs on SQLite only.
"""

from __future__ import annotations

import io
import json

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from apps.ai_orchestration.models import Conversation, ToolCall
from apps.assessment.models import Assessment, AssessmentItem, Submission
from apps.catalog.models import Category, Course
from apps.commerce.models import Order, Sponsor
from apps.engagement.models import Answer, Question
from apps.identity.models import User
from apps.labs.models import Booking, Lab
from apps.learning.models import Enrollment
from deltalabs.text import REPLACEMENT, find_poison
from tests.admin.test_admin_walk import _walk
from tests.conftest import client_for
from tests.factories.identity import StaffFactory

pytestmark = pytest.mark.django_db

SURROGATE_AND_NUL = "\ud800".encode("utf-8", "surrogatepass") + b"\x00"
JSON_POISON = "\ud800\x00"

# Free-text columns that API bodies and admin pages show (not codes, slugs, emails or zones).
POISONED_COLUMNS = [
    (Course, "title"),
    (Course, "summary"),
    (Category, "name"),
    (User, "display_name"),
    (User, "bio"),
    (Question, "title"),
    (Question, "body"),
    (Answer, "body"),
    (Assessment, "title"),
    (AssessmentItem, "prompt"),
    (Submission, "feedback"),
    (Lab, "name"),
    (Lab, "description"),
    (Sponsor, "name"),
    (Conversation, "title"),
]


def poison_column(model, field_name: str) -> int:
    """Appends a lone surrogate and a NUL to the column in every row, through SQL."""
    field = model._meta.get_field(field_name)
    table, column = (connection.ops.quote_name(name) for name in (model._meta.db_table, field.column))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = {column} || CAST(%s AS TEXT)", [SURROGATE_AND_NUL])  # noqa: S608
        return cursor.rowcount


def poison_json(value):
    """Every string in a JSON value gets the poison; each object gains a poisoned key."""
    if isinstance(value, str):
        return value + JSON_POISON
    if isinstance(value, list):
        return [poison_json(item) for item in value]
    if isinstance(value, dict):
        return {**{key: poison_json(item) for key, item in value.items()}, JSON_POISON: JSON_POISON}
    return value


def poison_json_fields() -> int:
    """Through SQL too (the ORM would also write it, but the Mongo compile gate refuses
    to encode a surrogate, rightly: MongoDB cannot store one)."""
    poisoned = 0
    for model, field_name in [(Submission, "answers"), (ToolCall, "arguments"), (ToolCall, "result")]:
        field = model._meta.get_field(field_name)
        table, column = (connection.ops.quote_name(name) for name in (model._meta.db_table, field.column))
        for pk, value in model.objects.values_list("pk", field_name):
            if value is not None:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
                        [json.dumps(poison_json(value)), pk.hex],
                    )
                poisoned += cursor.rowcount
    return poisoned


@pytest.fixture
def poisoned():
    if connection.vendor != "sqlite":
        pytest.skip("MongoDB cannot store a lone surrogate (BSON strings are UTF-8)")
    call_command("seed", size="small", no_progress=True, stdout=io.StringIO())
    rows = sum(poison_column(model, name) for model, name in POISONED_COLUMNS)
    rows += poison_json_fields()
    assert rows > 200
    return rows


@pytest.fixture
def scene(poisoned):
    return demo_scene()


def demo_scene() -> dict:
    """On a seeded database: a graded-or-submitted submission with a text answer,
    its learner, course and neighbours, an instructor and a superuser, and an id
    for every path parameter of the API."""
    submission = (
        Submission.objects.filter(
            user__enrollments__course_id=F("course_id"), user__enrollments__status__in=["active", "completed"]
        )
        .order_by("pk")
        .first()
    )
    assert submission is not None
    course_id = submission.course_id
    learner = submission.user
    ids = {
        "course_id": course_id,
        "assessment_id": submission.assessment_id,
        "submission_id": submission.pk,
        "enrollment_id": Enrollment.objects.get(
            user=learner, course_id=course_id, status__in=["active", "completed"]
        ).pk,
        "question_id": Question.objects.filter(course_id=course_id).order_by("pk").first().pk,
        "answer_id": Answer.objects.filter(question__course_id=course_id).order_by("pk").first().pk,
        "lab_id": Lab.objects.filter(is_active=True).order_by("pk").first().pk,
        "booking_id": _own_or_any(Booking, learner),
        "order_id": _own_or_any(Order, learner),
        "sponsor_id": Sponsor.objects.filter(status="approved").order_by("pk").first().pk,
        "conversation_id": _own_or_any(Conversation, learner),
    }
    instructor = Course.objects.get(pk=course_id).instructors.order_by("pk").first()
    return {"learner": learner, "instructor": instructor, "staff": StaffFactory(is_superuser=True), "ids": ids}


def _own_or_any(model, user):
    own = model.objects.filter(user=user).order_by("pk").first()
    return (own or model.objects.order_by("pk").first()).pk


def get_operations() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(path for path, operations in schema["paths"].items() if "get" in operations)


def assert_clean_json(response, where: str) -> dict:
    assert response.status_code < 500, f"{where}: HTTP {response.status_code}"
    text = response.content.decode("utf-8")  # strict: a surrogate could not have been encoded
    body = json.loads(text) if text else {}
    assert not find_poison(body), f"{where}: a lone surrogate or NUL went out"
    return body


def test_every_api_read_survives_poisoned_rows(scene):
    ids = scene["ids"]
    paths = get_operations()
    assert len(paths) >= 30
    replaced = set()
    for role in ("learner", "instructor", "staff"):
        client = client_for(scene[role])
        for template in paths:
            path = template
            for name, value in ids.items():
                path = path.replace("{" + name + "}", str(value))
            assert "{" not in path, f"no id for {template}: add one to the scene"
            response = client.get(path)
            if response["Content-Type"].startswith("application/json"):
                assert_clean_json(response, f"{role} GET {path}")
            else:  # the docs pages
                assert response.status_code == 200, f"{role} GET {path}: HTTP {response.status_code}"
            if REPLACEMENT.encode() in response.content:
                replaced.add(template)
            if role == "learner" and template in LEARNER_READS_OF_POISON:
                assert response.status_code == 200, f"learner GET {path}: {response.status_code}"
                assert REPLACEMENT.encode() in response.content, f"learner GET {path} shows no U+FFFD"
    assert set(LEARNER_READS_OF_POISON) <= replaced


LEARNER_READS_OF_POISON = [
    "/v1/users/me",
    "/v1/courses",
    "/v1/courses/{course_id}",
    "/v1/categories",
    "/v1/enrollments",
    "/v1/courses/{course_id}/questions",
    "/v1/courses/{course_id}/questions/{question_id}",
    "/v1/courses/{course_id}/answers",
    "/v1/courses/{course_id}/assessments",
    "/v1/assessments/{assessment_id}",
    "/v1/submissions",
    "/v1/submissions/{submission_id}",
    "/v1/courses/{course_id}/grades",
    "/v1/labs",
    "/v1/labs/{lab_id}",
    "/v1/sponsors",
]


def test_every_assistant_read_tool_survives_poisoned_rows(scene):
    client = client_for(scene["learner"])
    tools = assert_clean_json(client.get("/v1/ai/tools"), "GET /v1/ai/tools")["results"]
    read_tools = [tool for tool in tools if not tool["mutates"]]
    assert len(read_tools) >= 8
    for tool in read_tools:
        required = tool["parameters"].get("required", [])
        arguments = {name: str(scene["ids"][name]) for name in required if name in scene["ids"]}
        assert set(arguments) == set(required), f"{tool['name']}: no value for {set(required) - set(arguments)}"
        response = client.post("/v1/ai/execute", {"tool": tool["name"], "arguments": arguments}, format="json")
        assert_clean_json(response, f"tool {tool['name']}")
    response = client.post("/v1/ai/chat", {"message": "show me the courses"}, format="json")
    assert assert_clean_json(response, "chat")["reply"]


def test_every_admin_page_survives_poisoned_rows(scene):
    walked, problems = _walk(scene["staff"])
    assert walked >= 40
    assert not [problem for problem in problems if "HTTP" in problem], problems
    browser = Client()
    browser.force_login(scene["staff"])
    objects = [
        Course.objects.get(pk=scene["ids"]["course_id"]),
        scene["learner"],
        Question.objects.get(pk=scene["ids"]["question_id"]),
        Submission.objects.get(pk=scene["ids"]["submission_id"]),
    ]
    for obj in objects:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        response = browser.get(url)
        assert response.status_code == 200, url
        assert REPLACEMENT in response.content.decode("utf-8"), url
    assert admin.site.is_registered(Course)


def test_check_data_reports_every_poisoned_value(poisoned):
    out = io.StringIO()
    with pytest.raises(CommandError, match="poisoned value"):
        call_command("check_data", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(set(lines))
    reported = {tuple(line.split(" ")) for line in lines}
    course = Course.objects.order_by("pk").first()
    assert ("catalog.Course", str(course.pk), "title") in reported
    assert ("catalog.Course", str(course.pk), "summary") in reported
    submission = Submission.objects.order_by("pk").first()
    assert ("assessment.Submission", str(submission.pk), "answers") in reported
    expected_columns = {(model._meta.label, name) for model, name in POISONED_COLUMNS}
    expected_columns |= {("assessment.Submission", "answers"), ("ai_orchestration.ToolCall", "arguments")}
    assert {(model, field) for model, _pk, field in reported} >= expected_columns
    # one line per non-empty poisoned value: every course row's title is there
    assert sum(1 for model, _pk, field in reported if (model, field) == ("catalog.Course", "title")) == (
        Course.objects.count()
    )


def test_check_data_is_quiet_on_clean_data(db):
    call_command("seed", size="small", no_progress=True, stdout=io.StringIO())
    out = io.StringIO()
    call_command("check_data", stdout=out)
    assert out.getvalue().startswith("No poisoned text in ")
