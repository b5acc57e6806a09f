"""The instructor gradebook at scale: a fixed number of queries per page
whatever the class size, page size or depth, and every learner exactly once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assessment.models import Submission
from apps.identity.models import User
from apps.learning.models import Enrollment
from tests.conftest import client_for
from tests.factories.assessment import AssessmentFactory
from tests.factories.courses import CourseFactory, CourseInstructorFactory
from tests.support.emulator import LARGE_DATA

pytestmark = pytest.mark.django_db


def build_class(course, size: int, assessments, *, tag: str) -> list[User]:
    """``size`` learners enrolled in ``course`` with submissions, in bulk.

    Enrollment times repeat in groups of seven, so paging must rely on the
    id tie-breaker. Learner n scores n % 11 on the first assessment (graded),
    has the second awaiting grading when n is even, and misses the rest.
    """
    password = make_password(None)
    users = [
        User(email=f"{tag}-{n}@gradebook.test", display_name=f"Learner {n}", password=password) for n in range(size)
    ]
    User.objects.bulk_create(users, batch_size=2_000)
    start = timezone.now() - timedelta(days=30)
    Enrollment.objects.bulk_create(
        [
            Enrollment(course=course, user=user, enrolled_at=start + timedelta(seconds=n // 7))
            for n, user in enumerate(users)
        ],
        batch_size=2_000,
    )
    submissions = []
    for n, user in enumerate(users):
        submissions.append(
            Submission(
                assessment=assessments[0],
                course=course,
                user=user,
                score=Decimal(n % 11),
                auto_score=Decimal(n % 11),
                status=Submission.Status.GRADED,
                submitted_at=start,
            )
        )
        if len(assessments) > 1 and n % 2 == 0:
            submissions.append(
                Submission(
                    assessment=assessments[1],
                    course=course,
                    user=user,
                    status=Submission.Status.SUBMITTED,
                    submitted_at=start,
                )
            )
    Submission.objects.bulk_create(submissions, batch_size=2_000)
    return users


def course_with_assessments():
    course = CourseFactory()
    instructor = CourseInstructorFactory(course=course).user
    assessments = [
        AssessmentFactory(course=course, weight=Decimal("1"), max_score=Decimal("10"), position=1),
        AssessmentFactory(course=course, weight=Decimal("3"), max_score=Decimal("20"), position=2),
        AssessmentFactory(course=course, weight=Decimal("1"), max_score=Decimal("5"), position=3),
    ]
    AssessmentFactory(course=course, is_published=False, position=4)
    return course, instructor, assessments


def grades_page(client, course, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/v1/courses/{course.pk}/grades", params)
    assert response.status_code == 200, response.content
    return response.json(), len(ctx.captured_queries)


def test_query_count_does_not_grow_with_class_size_page_size_or_depth():
    # given: a class of 10 and a class of 2,000 learners
    small_course, small_instructor, small_assessments = course_with_assessments()
    build_class(small_course, 10, small_assessments, tag="small")
    big_course, big_instructor, big_assessments = course_with_assessments()
    build_class(big_course, 2_000, big_assessments, tag="big")
    small_client, big_client = client_for(small_instructor), client_for(big_instructor)

    # when
    small_page, small_queries = grades_page(small_client, small_course, limit=10)
    first_10, queries_first_10 = grades_page(big_client, big_course, limit=10)
    first_100, queries_first_100 = grades_page(big_client, big_course, limit=100)
    clamped, queries_clamped = grades_page(big_client, big_course, limit=2_000)
    cursor, deep_queries = first_100["next_cursor"], []
    for _ in range(12):
        deep_page, queries = grades_page(big_client, big_course, limit=100, cursor=cursor)
        deep_queries.append(queries)
        cursor = deep_page["next_cursor"]

    # then: one count for all of them, and a small one
    assert len(small_page["results"]) == 10 and small_page["next_cursor"] is None
    assert len(first_10["results"]) == 10 and len(first_100["results"]) == 100
    assert len(clamped["results"]) == 100  # limit clamped to 100
    assert len(deep_page["results"]) == 100
    counts = {small_queries, queries_first_10, queries_first_100, queries_clamped, *deep_queries}
    assert counts == {small_queries}, counts
    # auth user + course + instructor check + assessments + enrollment page + submissions
    assert small_queries <= 6


def test_staff_pay_the_same_fixed_cost():
    course, _, assessments = course_with_assessments()
    build_class(course, 150, assessments, tag="staff")
    from tests.factories.identity import StaffFactory

    client = client_for(StaffFactory())
    page1, first = grades_page(client, course, limit=100)
    page2, second = grades_page(client, course, limit=100, cursor=page1["next_cursor"])
    assert (len(page1["results"]), len(page2["results"])) == (100, 50)
    assert first == second


@pytest.mark.emulator_cannot_judge(LARGE_DATA)
@pytest.mark.slow
def test_ten_thousand_learners_page_through_each_exactly_once():
    # given: 10,000 learners with 15,000 submissions on one course
    course, instructor, assessments = course_with_assessments()
    users = build_class(course, 10_000, assessments, tag="k10")
    expected = {str(user.pk): n for n, user in enumerate(users)}
    client = client_for(instructor)

    # when: paging through with limit=100
    seen: list[str] = []
    grades: dict[str, str] = {}
    statuses: dict[str, list[str]] = {}
    cursor, pages, query_counts = None, 0, set()
    while True:
        params = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        body, queries = grades_page(client, course, **params)
        query_counts.add(queries)
        pages += 1
        for row in body["results"]:
            seen.append(row["user"]["id"])
            grades[row["user"]["id"]] = row["course_grade"]
            statuses[row["user"]["id"]] = [entry["status"] for entry in row["assessments"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    # then: every learner exactly once, each page at the same cost
    assert pages == 100
    assert len(seen) == len(set(seen)) == 10_000
    assert set(seen) == set(expected)
    assert len(query_counts) == 1
    # and the grades add up: weights 1, 3, 1 -> 100 x (1 x score/10) / 5
    for user_id, n in list(expected.items())[:50]:
        assert Decimal(grades[user_id]) == (Decimal(n % 11) * 2).quantize(Decimal("0.01"))
        assert statuses[user_id] == ["graded", "submitted" if n % 2 == 0 else "not_submitted", "not_submitted"]
