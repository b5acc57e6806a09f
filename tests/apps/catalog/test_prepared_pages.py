"""The public list's prepared page query answers what ``paginate`` answers.

``repositories.public_course_rows_page`` (``deltalabs.pagination.PreparedPages``)
compiles its SQL once per page size and first/next page; the reference is
``paginate`` over ``course_queryset``, built per call. Walked page by page
with generated page sizes over courses that share publication instants (the
keyset's tie-breaker decides), with drafts and archived courses mixed in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.catalog import repositories
from apps.catalog.models import Course
from deltalabs.pagination import paginate

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def catalogue(db):
    """37 published courses on 9 distinct instants, plus a draft and an archived course."""
    courses = [
        Course(
            slug=f"c-{number}",
            title=f"Course {number}",
            status=Course.Status.PUBLISHED,
            published_at=START + timedelta(minutes=number % 9),
        )
        for number in range(37)
    ]
    courses.append(Course(slug="draft", title="Draft", status=Course.Status.DRAFT))
    courses.append(
        Course(
            slug="archived", title="Archived", status=Course.Status.ARCHIVED, published_at=START + timedelta(hours=1)
        )
    )
    Course.objects.bulk_create(courses)


def _reference(cursor, limit):
    queryset = repositories.course_queryset(published_only=True, as_rows=True)
    return paginate(queryset, ordering=["-published_at"], cursor=cursor, limit=limit, not_null=("published_at",))


def _walk(page_of, limit):
    pages, cursor = [], None
    while True:
        page = page_of(cursor, limit)
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            return pages


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(min_value=1, max_value=120))
def test_every_page_and_cursor_is_paginates(catalogue, limit):
    prepared = _walk(lambda cursor, size: repositories.public_course_rows_page(cursor=cursor, limit=size), limit)
    assert prepared == _walk(_reference, limit)
    slugs = [row["slug"] for page in prepared for row in page.items]
    assert len(slugs) == len(set(slugs)) == 37


def test_a_cursor_from_either_path_works_on_the_other(catalogue):
    first = _reference(None, 5)
    assert repositories.public_course_rows_page(cursor=first.next_cursor, limit=5) == _reference(first.next_cursor, 5)


def test_one_query_per_page_at_any_depth(catalogue):
    cursor = None
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            page = repositories.public_course_rows_page(cursor=cursor, limit=4)
        assert len(queries) == 1
        cursor = page.next_cursor


def test_a_bad_cursor_is_the_same_400():
    from deltalabs.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as prepared:
        repositories.public_course_rows_page(cursor="bm90LWpzb24", limit=5)
    with pytest.raises(ValidationFailed) as reference:
        _reference("bm90LWpzb24", 5)
    assert prepared.value.details == reference.value.details
