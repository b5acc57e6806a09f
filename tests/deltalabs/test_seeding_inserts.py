"""The seed's prepared inserts store exactly what ``bulk_create`` stores."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assessment.models import Submission
from apps.catalog.models import Resource
from deltalabs.db import is_mongodb
from deltalabs.seeding import SeedContext, bulk_write_connection, insert_rows
from tests.factories.assessment import AssessmentFactory
from tests.factories.catalog import CourseFactory
from tests.factories.identity import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _stored(model, pk) -> dict:
    """A row as read back from the database, without its key."""
    row = model.objects.filter(pk=pk).values().get()
    row.pop("id")
    return row


def _submissions(assessment, learner, grader, now) -> list[Submission]:
    other = AssessmentFactory(course=assessment.course)
    return [
        Submission(
            assessment=target,  # an object, not an id: its key is copied at insert
            user_id=learner.pk,
            course_id=assessment.course_id,
            answers={"q1": ["b", "é"], "q2": None, "n": 1.5},
            auto_score=Decimal("2.50"),
            score=score,
            status=status,
            graded_by=grader if score is not None else None,
            graded_at=now if score is not None else None,
            feedback="Bien joué ✓",
            submitted_at=now - timedelta(days=2),
            is_late=score is None,
        )
        for target, score, status in (
            (assessment, Decimal("7.25"), Submission.Status.GRADED),
            (other, None, Submission.Status.SUBMITTED),
        )
    ]


def test_rows_match_bulk_create_field_for_field():
    grader, now = StaffFactory(), timezone.now()
    reference = _submissions(AssessmentFactory(), UserFactory(), grader, now)
    prepared = _submissions(AssessmentFactory(), UserFactory(), grader, now)
    Submission.objects.bulk_create(reference)
    with CaptureQueriesContext(connection) as queries:
        insert_rows(Submission, prepared)
    inserts = [query["sql"] for query in queries if "INSERT" in query["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith('2 times: INSERT INTO "assessment_submission"')
    for ours, theirs in zip(prepared, reference, strict=True):
        assert ours._state.adding is False and ours._state.db == "default"
        stored, expected = _stored(Submission, ours.pk), _stored(Submission, theirs.pk)
        for key in ("assessment_id", "user_id", "course_id"):  # the rows' own parents
            assert (stored.pop(key), expected.pop(key)) == (getattr(ours, key), getattr(theirs, key))
        # auto_now_add / auto_now stamp "now" at insert, as bulk_create does
        for stamp in ("created_at", "updated_at"):
            assert abs(stored.pop(stamp) - expected.pop(stamp)) < timedelta(seconds=5)
        assert stored == expected
        parents = ["id", "assessment", "user", "course"]
        assert model_to_dict(Submission.objects.get(pk=ours.pk), exclude=parents) == model_to_dict(
            Submission.objects.get(pk=theirs.pk), exclude=parents
        )


def test_auto_now_add_is_set_on_the_object_like_bulk_create():
    course = CourseFactory()
    resource = Resource(course=course, title="Slides", url="https://example.test/s.pdf")
    assert resource.created_at is None
    insert_rows(Resource, [resource])
    assert resource.created_at is not None
    assert Resource.objects.get(pk=resource.pk).created_at == resource.created_at


def test_seed_context_counts_and_remembers_what_it_inserted():
    course = CourseFactory()
    ctx = SeedContext(size="small", show_progress=False)
    resources = [Resource(course=course, title=f"R{n}", position=n) for n in range(5)]
    assert ctx.bulk_create(Resource, resources, desc="resources", batch_size=2) == 5
    assert ctx.counts[Resource._meta.label] == 5
    assert ctx.created_ids(Resource) == {resource.pk for resource in resources}
    assert sorted(Resource.objects.filter(course=course).values_list("position", flat=True)) == [0, 1, 2, 3, 4]


def test_an_insert_that_breaks_a_constraint_adds_nothing():
    course = CourseFactory()
    first = Resource(course=course, title="once")
    insert_rows(Resource, [first])
    duplicate = Resource(id=first.pk, course=course, title="twice")
    with pytest.raises(IntegrityError):
        insert_rows(Resource, [Resource(course=course, title="lost"), duplicate])
    assert list(Resource.objects.filter(course=course).values_list("title", flat=True)) == ["once"]


def _pragmas() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size")
        return synchronous, cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_bulk_write_connection_sets_and_restores_the_pragmas():
    if is_mongodb():  # nothing to set on MongoDB: the context only runs its body
        with bulk_write_connection():
            return
    before = _pragmas()
    assert before[0] != 0
    with bulk_write_connection():
        assert _pragmas() == (0, -256 * 1024)
    assert _pragmas() == before


def test_inside_a_transaction_only_the_cache_grows():
    """SQLite refuses to change ``synchronous`` inside a transaction (a test calling the command)."""
    if is_mongodb():
        with bulk_write_connection():
            return
    synchronous, cache_size = _pragmas()
    with bulk_write_connection():
        assert _pragmas() == (synchronous, -256 * 1024)
    assert _pragmas() == (synchronous, cache_size)
