"""What a course shows depends on enrollment, which learning owns: learning
supplies the fact to catalog's rules (``services.course_detail``,
``services.course_resources``), and catalog's one upward event (a capacity
change) reaches learning's waitlist through an explicit signal."""

import pytest

from apps.catalog import services as catalog_services
from apps.catalog import signals as catalog_signals
from apps.learning import services
from apps.learning.models import Enrollment
from deltalabs.errors import NotFound, PermissionDenied
from tests.conftest import client_for
from tests.factories.catalog import CourseFactory, DraftCourseFactory, LessonFactory, ResourceFactory, SectionFactory
from tests.factories.learning import EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def outline():
    course = CourseFactory()
    section = SectionFactory(course=course)
    LessonFactory(section=section, is_preview=True, content="preview text")
    locked = LessonFactory(section=section, content="locked text")
    ResourceFactory(course=course, title="Slides")
    return course, locked


def locked_content(actor, course, locked):
    detail = services.course_detail(actor=actor, course_id=course.pk)
    [shown] = [item for section in detail.course.sections.all() for item in section.lessons.all() if item == locked]
    return detail.lesson_content(shown)


@pytest.mark.parametrize("status", [Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED])
def test_enrolled_learners_read_every_lesson_and_the_resources(outline, user, status):
    course, locked = outline
    EnrollmentFactory(user=user, course=course, status=status)
    assert locked_content(user, course, locked) == "locked text"
    assert [r.title for r in services.course_resources(actor=user, course_id=course.pk).items] == ["Slides"]


@pytest.mark.parametrize(
    "status", [Enrollment.Status.WAITLISTED, Enrollment.Status.CANCELLED, Enrollment.Status.PENDING]
)
def test_waitlisted_cancelled_or_unpaid_learners_do_not(outline, user, status):
    course, locked = outline
    EnrollmentFactory(user=user, course=course, status=status)
    assert locked_content(user, course, locked) is None
    with pytest.raises(PermissionDenied):
        services.course_resources(actor=user, course_id=course.pk)


def test_an_enrollment_does_not_reveal_a_draft(user):
    course = DraftCourseFactory()
    EnrollmentFactory(user=user, course=course)
    with pytest.raises(NotFound):
        services.course_detail(actor=user, course_id=course.pk)
    with pytest.raises(NotFound):
        services.course_resources(actor=user, course_id=course.pk)


def test_the_endpoints_serve_the_same(outline, user):
    course, _ = outline
    EnrollmentFactory(user=user, course=course)
    client = client_for(user)
    lessons = client.get(f"/v1/courses/{course.pk}").json()["sections"][0]["lessons"]
    assert {lesson["content"] for lesson in lessons} == {"preview text", "locked text"}
    assert [r["title"] for r in client.get(f"/v1/courses/{course.pk}/resources").json()["results"]] == ["Slides"]


def test_learning_answers_the_capacity_signal(user):
    # given: a full course with a waitlist, whose capacity grew behind learning's back
    course = CourseFactory(capacity=1, seats_taken=1, waitlist_length=1)
    waiting = EnrollmentFactory(user=user, course=course, status=Enrollment.Status.WAITLISTED, waitlist_position=1)
    type(course).objects.filter(pk=course.pk).update(capacity=2)

    # when catalog announces it
    catalog_signals.course_capacity_changed.send(sender=type(course), course_id=course.pk)

    # then learning promoted the first waitlisted learner into the new seat
    waiting.refresh_from_db()
    course.refresh_from_db()
    assert (waiting.status, course.seats_taken, course.waitlist_length) == ("active", 2, 0)


@pytest.mark.django_db(transaction=True)  # the change must really roll back
def test_a_failing_receiver_rolls_the_capacity_change_back(staff_user, monkeypatch):
    # given: filling the waitlist fails
    course = CourseFactory(capacity=1)

    def broken(**kwargs):
        raise RuntimeError("waitlist fill failed")

    monkeypatch.setattr(services, "waitlist_fill", broken)

    # when / then: the capacity change is undone with it (one transaction)
    with pytest.raises(RuntimeError):
        catalog_services.course_update(actor=staff_user, course_id=course.pk, values={"capacity": 5})
    course.refresh_from_db()
    assert course.capacity == 1
