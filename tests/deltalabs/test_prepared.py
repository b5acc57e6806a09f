"""``deltalabs.prepared``: a SELECT compiled once answers what the ORM answers."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.catalog import repositories as catalog_repositories
from apps.catalog.models import Course
from apps.identity import repositories as identity_repositories
from apps.identity.models import User
from deltalabs.db import is_mongodb
from deltalabs.prepared import PreparedSelect
from tests.factories.catalog import CourseFactory
from tests.factories.identity import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fields(user: User) -> dict:
    """The loaded (non-deferred) field values of a user, as Python values."""
    return {name: getattr(user, name) for name in user.__dict__ if not name.startswith("_")}


def test_token_user_is_the_orm_user_with_the_same_fields_loaded_and_deferred():
    for user in (UserFactory(bio="Curious.", timezone="Europe/Paris"), StaffFactory()):
        reference = User.objects.filter(pk=user.pk).only(*identity_repositories.TOKEN_USER_FIELDS).get()
        with CaptureQueriesContext(connection) as queries:
            found = identity_repositories.user_for_token(str(user.pk))
        assert len(queries) == 1
        assert type(found) is User and found.pk == user.pk
        assert _fields(found) == _fields(reference)
        assert found.get_deferred_fields() == reference.get_deferred_fields()
        assert "password" in found.get_deferred_fields()
        assert found.date_joined.tzinfo is not None
        assert found.is_staff is user.is_staff and found.is_active is True
        assert found._state.adding is False and found._state.db == "default"


def test_token_user_absent_or_malformed():
    assert identity_repositories.user_for_token(uuid.uuid4()) is None
    with pytest.raises(ValidationError):
        identity_repositories.user_for_token("not-a-uuid")


def test_seats_taken_is_the_orm_answer_in_the_order_asked_for_in_lists_of_any_size():
    courses = [CourseFactory(capacity=10, seats_taken=n) for n in range(4)]
    ids = [course.pk for course in courses]
    wanted_lists = (
        ids[:1],
        ids,
        [ids[2], ids[0]],
        [ids[1], ids[1], None, str(ids[3])],
        [ids[0], str(ids[0]), str(ids[0]).upper()],  # one course, written three ways
        [uuid.uuid4(), ids[2]],
    )
    for wanted in wanted_lists:
        by_id = dict(
            Course.objects.filter(pk__in=[value for value in wanted if value]).values_list("id", "seats_taken")
        )
        reference = [by_id.get(uuid.UUID(str(value))) if value else None for value in wanted]
        assert catalog_repositories.course_seats_taken(wanted) == reference
        assert catalog_repositories.course_seats_taken(wanted) == reference  # the list prepared earlier


def test_seats_are_read_fresh_with_a_list_prepared_before():
    course = CourseFactory(capacity=10, seats_taken=1)
    assert catalog_repositories.course_seats_taken([course.pk]) == [1]
    Course.objects.filter(pk=course.pk).update(seats_taken=2)
    with CaptureQueriesContext(connection) as queries:
        assert catalog_repositories.course_seats_taken([course.pk]) == [2]
    assert len(queries) == 1


def test_an_empty_list_runs_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert catalog_repositories.course_seats_taken([]) == []
        assert catalog_repositories.course_seats_taken([None]) == [None]
    assert len(queries) == 0


def test_values_are_converted_like_the_orm_converts_them():
    course = CourseFactory(price=Decimal("49.00"))
    prepared = PreparedSelect(
        lambda ids: Course.objects.filter(pk__in=ids).values_list("id", "price", "published_at", "status"),
        Course._meta.pk,
    )
    reference = list(Course.objects.filter(pk=course.pk).values_list("id", "price", "published_at", "status"))
    assert prepared.rows([course.pk]) == reference
    assert prepared.rows([course.pk])[0][1] == Decimal("49.00")


def test_each_shape_is_compiled_once_and_reused():
    users = UserFactory.create_batch(2)
    prepared = PreparedSelect(lambda ids: User.objects.filter(pk__in=ids).values_list("email"), User._meta.pk)
    assert prepared.rows([users[0].pk]) == [(users[0].email,)]
    assert prepared.rows([users[1].pk]) == [(users[1].email,)]
    assert len(prepared._compiled) == (0 if is_mongodb() else 1)
    assert sorted(prepared.rows([user.pk for user in users])) == sorted((user.email,) for user in users)
    # MongoDB runs the queryset itself: nothing is compiled there.
    assert len(prepared._compiled) == (0 if is_mongodb() else 2)


def test_a_shape_with_constant_parameters_is_refused():
    """Parameters other than the bound values would be frozen at their first value
    (on MongoDB the queryset runs as written)."""
    course = CourseFactory()
    prepared = PreparedSelect(
        lambda ids: Course.objects.filter(pk__in=ids, status=Course.Status.PUBLISHED).values_list("id"),
        Course._meta.pk,
    )
    if is_mongodb():
        assert prepared.rows([course.pk]) == [(course.pk,)]
        return
    with pytest.raises(ValueError, match="only take the values bound per call, in their order"):
        prepared.rows([course.pk])


def test_positional_values_bind_in_order_and_a_wrong_order_is_refused():
    from apps.labs.models import LabSlot
    from tests.factories.labs import LabFactory

    lab = LabFactory()
    start = timezone.now().replace(microsecond=0)
    LabSlot.objects.create(lab=lab, start=start, booked=1)
    fields = [LabSlot._meta.get_field(name) for name in ("lab", "start", "start")]
    prepared = PreparedSelect(
        lambda values: (
            LabSlot.objects.filter(lab_id=values[0])
            .filter(start__gte=values[1])
            .filter(start__lt=values[2])
            .values_list("start", "booked")
        ),
        fields=fields,
    )
    window = [lab.pk, start - timedelta(hours=1), start + timedelta(hours=1)]
    assert prepared.rows(window) == [(start, 1)]
    assert prepared.rows([lab.pk, start + timedelta(hours=1), start + timedelta(hours=2)]) == []
    swapped = PreparedSelect(
        lambda values: (
            LabSlot.objects.filter(start__gte=values[1])
            .filter(lab_id=values[0])
            .filter(start__lt=values[2])
            .values_list("start")
        ),
        fields=fields,
    )
    if is_mongodb():
        assert swapped.rows(window) == [(start,)]
        return
    with pytest.raises(ValueError, match="in their order"):
        swapped.rows(window)


def test_a_shape_that_follows_relations_is_refused():
    from apps.labs.models import Lab
    from tests.factories.labs import LabFactory

    lab = LabFactory()
    prepared = PreparedSelect(
        lambda values: Lab.objects.select_related("required_course").filter(pk=values[0]), Lab._meta.pk
    )
    if is_mongodb():
        assert prepared.objects([lab.pk]) == [lab]
        return
    with pytest.raises(ValueError, match="select_related"):
        prepared.objects([lab.pk])


@pytest.mark.skipif(is_mongodb(), reason="the SQLite fast path")
def test_unlogged_runs_answer_what_logged_runs_answer_and_raise_djangos_errors():
    """Without query logging a prepared shape runs straight on the sqlite3
    connection; the rows are the same, and a failure is Django's error."""
    from django.db import OperationalError

    from apps.catalog.models import Category

    users = UserFactory.create_batch(3)
    assert not connection.queries_logged
    unlogged = [identity_repositories.user_for_token(str(user.pk)) for user in users]
    with CaptureQueriesContext(connection) as queries:
        logged = [identity_repositories.user_for_token(str(user.pk)) for user in users]
    assert len(queries) == 3
    assert [_fields(user) for user in unlogged] == [_fields(user) for user in logged]

    categories = PreparedSelect(
        lambda ids: Category.objects.filter(pk__in=ids).values_list("id", "slug"), Category._meta.pk
    )
    assert categories.rows([uuid.uuid4()]) == []
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE catalog_category")  # undone with the test's transaction
    with pytest.raises(OperationalError):
        categories.rows([uuid.uuid4()])
