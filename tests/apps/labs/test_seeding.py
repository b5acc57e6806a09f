"""The labs demo data: every feature present, rules respected, idempotent."""

import io
from collections import Counter, defaultdict
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db.models import Count

from apps.catalog.models import Course
from apps.catalog.seeding import WORKSHOP_SLUG
from apps.identity import seeding as identity_seeding
from apps.identity.models import User
from apps.labs import seeding
from apps.labs import services as lab_services
from apps.labs.models import Booking, Lab, LabClosure, LabOpeningHours, LabSlot
from apps.learning.models import Enrollment
from deltalabs.errors import Conflict
from deltalabs.seeding import SeedContext
from tests.apps.labs.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    context = SeedContext(size="small", show_progress=False)
    identity_seeding.seed(context)
    return context


def test_small_seed_shows_every_feature_and_keeps_the_rules(ctx):
    # given a published course some learners are enrolled in
    course = Course.objects.create(slug="aaa-electronics", title="Electronics", status="published")
    learners = list(User.objects.filter(email__endswith=seeding.LEARNER_SUFFIX).order_by("email")[:6])
    Enrollment.objects.bulk_create(Enrollment(user=learner, course=course) for learner in learners)

    # when
    seeding.seed(ctx)

    # then: labs of both kinds, open most weekdays, one requiring the course
    labs = list(Lab.objects.all())
    assert len(labs) == ctx.scale.labs
    assert {lab.kind for lab in labs} == {"physical", "virtual"}
    assert [lab.required_course_id for lab in labs if lab.required_course_id] == [course.id]
    for lab in labs:
        assert len(set(LabOpeningHours.objects.filter(lab=lab).values_list("weekday", flat=True))) >= 4
    assert LabClosure.objects.filter(ends_on__gte=NOW.date()).exists()

    bookings = list(Booking.objects.all())
    assert len(bookings) == ctx.scale.bookings
    assert {b.status for b in bookings} == {"active", "cancelled"}
    assert any(b.start < NOW for b in bookings) and any(b.start > NOW for b in bookings)

    # the counters match the active bookings, within capacity; one slot is full
    active = Counter((b.lab_id, b.start) for b in bookings if b.status == "active")
    counters = {(slot.lab_id, slot.start): slot.booked for slot in LabSlot.objects.all()}
    assert {key: n for key, n in counters.items() if n} == dict(active)
    capacity = {lab.id: lab.capacity for lab in labs}
    assert all(n <= capacity[lab_id] for (lab_id, _), n in counters.items())
    assert any(n == capacity[lab_id] for (lab_id, _), n in counters.items())

    # the per-learner rules hold
    per_user = defaultdict(list)
    for b in bookings:
        if b.status == "active":
            per_user[b.user_id].append(b)
    for user_bookings in per_user.values():
        assert sum(b.start > NOW for b in user_bookings) <= 5
        spans = sorted((b.start, b.end) for b in user_bookings)
        assert all(first[1] <= second[0] for first, second in pairwise(spans))
    required = next(lab for lab in labs if lab.required_course_id)
    assert {b.user_id for b in bookings if b.lab_id == required.id} <= {learner.id for learner in learners}
    assert Booking.objects.filter(user=learners[0], start__gt=NOW).count() >= 3  # the demo learner


def test_seeding_again_creates_nothing(ctx):
    seeding.seed(ctx)
    before = {model: model.objects.count() for model in (Lab, LabOpeningHours, LabClosure, LabSlot, Booking)}
    booked = dict(LabSlot.objects.values_list("id", "booked"))

    seeding.seed(ctx)

    assert {model: model.objects.count() for model in before} == before
    assert dict(LabSlot.objects.values_list("id", "booked")) == booked


def test_without_courses_no_lab_requires_one(ctx):
    seeding.seed(ctx)
    assert not Lab.objects.filter(required_course__isnull=False).exists()
    assert Booking.objects.values("lab").annotate(n=Count("id")).count() == ctx.scale.labs


def test_after_seed_a_demo_learner_books_the_lab_that_requires_a_course():
    # given the whole demo seed (what make run runs)
    call_command("seed", size="small", no_progress=True, stdout=io.StringIO())
    lab = Lab.objects.select_related("required_course__category").get(required_course__isnull=False)
    course = lab.required_course

    # then the required course is the soldering workshop: electronics, published, open for enrollment
    assert course.slug == WORKSHOP_SLUG and course.category.slug == "electronics"
    assert course.status == "published" and course.enrollment_opens_at is None and course.enrollment_closes_at is None
    demo = User.objects.get(email=f"learner00001{seeding.LEARNER_SUFFIX}")
    assert Enrollment.objects.filter(user=demo, course=course, status="active").exists()

    # and a demo learner enrolled in it books a free slot through the labs service
    enrolled = User.objects.filter(
        email__endswith=seeding.LEARNER_SUFFIX, enrollments__course=course, enrollments__status="active"
    ).order_by("email")
    free = [slot for slot in lab_services.lab_availability(actor=demo, lab_id=lab.id).slots if slot.available]
    booking, refusals = None, []
    for learner in enrolled:
        for slot in free:
            try:
                booking = lab_services.booking_create(actor=learner, lab_id=lab.id, start=slot.start)
                break
            except Conflict as exc:  # the learner's own overlap or limit: another slot or learner
                refusals.append(exc.code)
        if booking is not None:
            break
    assert booking is not None, refusals
    assert booking.lab_id == lab.id and booking.status == "active"
