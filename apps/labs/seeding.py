"""Demo labs: physical and virtual labs in several time zones, open most
weekdays, with closures, one lab that requires a course, and bookings.

Idempotent: labs are found by slug (hours and closures come with a new lab
only), and bookings are seeded only while the demo labs have none. Bookings
are bulk-inserted with the slot counters (``LabSlot.booked``) computed from
them, and respect the booking rules: capacity, no overlaps per learner, at
most five upcoming bookings per learner, closures and the required course.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F, Q
from django.utils import timezone

from apps.catalog.models import Course
from apps.catalog.seeding import WORKSHOP_SLUG
from apps.identity.models import User
from apps.labs.models import Booking, Lab, LabClosure, LabOpeningHours, LabSlot
from apps.labs.schedule import OpeningRange, days_between, slots_for_day
from apps.labs.services import MAX_UPCOMING_BOOKINGS
from apps.learning.models import Enrollment
from deltalabs.seeding import DEMO_DOMAIN, SeedContext

ELECTRONICS_CATEGORY = "electronics"  # the electronics workshop's topic, in the catalogue seeder's categories
# The identity seeder's learners (learner00001@learners.<demo domain>).
LEARNER_SUFFIX = f"@learners.{DEMO_DOMAIN}"
WINDOW_DAYS = 14  # bookings from two weeks ago to two weeks ahead...
HISTORY_CHUNKS = 12  # ...then older history, two weeks at a time, until the size's count is reached


def _hours(weekdays, *ranges) -> list[tuple[int, time, time]]:
    return [(day, time(*opens), time(*closes)) for day in weekdays for opens, closes in ranges]


MON_FRI = range(5)
SPLIT_DAY = _hours(MON_FRI, ((9, 0), (12, 0)), ((13, 0), (17, 0)))
LONG_DAY = _hours(MON_FRI, ((8, 0), (20, 0)))
WITH_SATURDAY = _hours(MON_FRI, ((10, 0), (18, 0))) + _hours([5], ((10, 0), (14, 0)))
MON_THU = _hours(range(4), ((9, 0), (17, 0)))

BLUEPRINTS = [
    {
        "slug": "robotics-lab",
        "name": "Robotics Lab",
        "kind": Lab.Kind.PHYSICAL,
        "location": "Building C, room 2.14",
        "timezone": "Europe/Berlin",
        "slot_minutes": 60,
        "capacity": 4,
        "hours": SPLIT_DAY,
        "description": "Six robot arms, a mobile-robot arena and ROS workstations.",
    },
    {
        "slug": "cloud-sandbox",
        "name": "Cloud Sandbox",
        "kind": Lab.Kind.VIRTUAL,
        "location": "https://labs.deltalabs.example/cloud-sandbox",
        "timezone": "UTC",
        "slot_minutes": 30,
        "capacity": 12,
        "hours": LONG_DAY,
        "description": "A throw-away cloud account per seat, reset after every slot.",
    },
    {
        "slug": "electronics-workshop",
        "name": "Electronics Workshop",
        "kind": Lab.Kind.PHYSICAL,
        "location": "Maker House, ground floor",
        "timezone": "America/New_York",
        "slot_minutes": 90,
        "capacity": 3,
        "hours": WITH_SATURDAY,
        "requires_course": True,
        "description": "Soldering stations and oscilloscopes; safety briefing in the required course.",
    },
    {
        "slug": "chemistry-lab",
        "name": "Chemistry Lab",
        "kind": Lab.Kind.PHYSICAL,
        "location": "Science Hall, lab 3",
        "timezone": "Asia/Tokyo",
        "slot_minutes": 120,
        "capacity": 6,
        "hours": MON_THU,
        "description": "Fume hoods and bench space for supervised experiments.",
    },
    {
        "slug": "gpu-cluster",
        "name": "GPU Cluster",
        "kind": Lab.Kind.VIRTUAL,
        "location": "https://labs.deltalabs.example/gpu",
        "timezone": "America/Los_Angeles",
        "slot_minutes": 60,
        "capacity": 8,
        "hours": LONG_DAY,
        "description": "A GPU notebook per seat for deep-learning exercises.",
    },
    {
        "slug": "vr-studio",
        "name": "VR Studio",
        "kind": Lab.Kind.PHYSICAL,
        "location": "Media Centre, studio B",
        "timezone": "Europe/London",
        "slot_minutes": 45,
        "capacity": 2,
        "hours": SPLIT_DAY,
        "description": "Two tracked VR booths with development PCs.",
    },
    {
        "slug": "network-lab",
        "name": "Network Lab",
        "kind": Lab.Kind.VIRTUAL,
        "location": "https://labs.deltalabs.example/network",
        "timezone": "Africa/Lagos",
        "slot_minutes": 60,
        "capacity": 10,
        "hours": WITH_SATURDAY,
        "description": "Virtual routers and switches for routing and firewall exercises.",
    },
    {
        "slug": "biology-lab",
        "name": "Biology Lab",
        "kind": Lab.Kind.PHYSICAL,
        "location": "Science Hall, lab 1",
        "timezone": "America/Sao_Paulo",
        "slot_minutes": 120,
        "capacity": 5,
        "hours": MON_THU,
        "description": "Microscopes and incubators.",
    },
]
# Larger sizes add plainer labs after the showcase ones.
for _number in range(len(BLUEPRINTS) + 1, 13):
    BLUEPRINTS.append(
        {
            "slug": f"study-pod-{_number:02d}",
            "name": f"Study Pod {_number:02d}",
            "kind": Lab.Kind.PHYSICAL,
            "location": f"Library, pod {_number}",
            "timezone": "Europe/Berlin",
            "slot_minutes": 60,
            "capacity": 2,
            "hours": LONG_DAY,
            "description": "A quiet pod with a large screen.",
        }
    )


def _required_course() -> Course | None:
    """The course the electronics workshop requires: the catalogue's soldering
    workshop (the safety briefing; open enrollment, and the learning seeder
    enrolls the demo learner in it, so the demo can book the lab). Without it,
    a published course open for enrollment now, electronics first."""
    workshop = Course.objects.filter(slug=WORKSHOP_SLUG, status=Course.Status.PUBLISHED).first()
    if workshop is not None:
        return workshop
    now = timezone.now()
    open_now = Course.objects.filter(
        Q(enrollment_opens_at__isnull=True) | Q(enrollment_opens_at__lte=now),
        Q(enrollment_closes_at__isnull=True) | Q(enrollment_closes_at__gt=now),
        status=Course.Status.PUBLISHED,
    ).order_by("slug")
    return (
        open_now.filter(category__slug=ELECTRONICS_CATEGORY).first()
        or open_now.first()
        or Course.objects.order_by("slug").first()
    )


def _create_labs(ctx: SeedContext) -> list[Lab]:
    wanted = BLUEPRINTS[: ctx.scale.labs]
    existing = {lab.slug: lab for lab in Lab.objects.filter(slug__in=[b["slug"] for b in wanted])}
    course = _required_course() if any(b.get("requires_course") for b in wanted if b["slug"] not in existing) else None
    new_labs, hours, closures = [], [], []
    today = timezone.now().date()
    for index, blueprint in enumerate(wanted):
        if blueprint["slug"] in existing:
            continue
        fields = {key: value for key, value in blueprint.items() if key not in ("hours", "requires_course")}
        lab = Lab(**fields, required_course=course if blueprint.get("requires_course") else None)
        new_labs.append(lab)
        hours += [LabOpeningHours(lab=lab, weekday=d, opens_at=o, closes_at=c) for d, o, c in blueprint["hours"]]
        if index == 0:
            closures.append(
                LabClosure(
                    lab=lab,
                    starts_on=today + timedelta(days=9),
                    ends_on=today + timedelta(days=10),
                    reason="Maintenance: robot arm calibration",
                )
            )
        if index == 1:
            closures.append(
                LabClosure(
                    lab=lab,
                    starts_on=today - timedelta(days=5),
                    ends_on=today - timedelta(days=5),
                    reason="Provider outage",
                )
            )
        if index % 3 == 2:
            holiday = today + timedelta(days=6)
            closures.append(LabClosure(lab=lab, starts_on=holiday, ends_on=holiday, reason="Public holiday"))
    ctx.bulk_create(Lab, new_labs, desc="labs")
    ctx.bulk_create(LabOpeningHours, hours, desc="lab hours")
    ctx.bulk_create(LabClosure, closures, desc="lab closures")
    by_slug = {**existing, **{lab.slug: lab for lab in new_labs}}
    return [by_slug[blueprint["slug"]] for blueprint in wanted]


def _slots_by_lab(labs: list[Lab], first: int, last: int) -> list[tuple[Lab, datetime, datetime]]:
    """Every slot of the labs from ``today + first`` to ``today + last`` days (lab-local)."""
    hours = defaultdict(list)
    for row in LabOpeningHours.objects.filter(lab_id__in=[lab.pk for lab in labs]):
        hours[row.lab_id].append(OpeningRange(row.weekday, row.opens_at, row.closes_at))
    closed = defaultdict(set)
    for closure in LabClosure.objects.filter(lab_id__in=[lab.pk for lab in labs]):
        closed[closure.lab_id].update(days_between(closure.starts_on, closure.ends_on))
    candidates = []
    for lab in labs:
        zone = ZoneInfo(lab.timezone)
        today = timezone.now().astimezone(zone).date()
        for day in days_between(today + timedelta(days=first), today + timedelta(days=last)):
            if day in closed[lab.pk]:
                continue
            for slot in slots_for_day(day, hours[lab.pk], slot_minutes=lab.slot_minutes, zone=zone):
                candidates.append((lab, slot.start, slot.end))
    return candidates


def _interleaved(ctx: SeedContext, candidates: list) -> list:
    """Shuffled per lab, then taken lab by lab in turn, so every lab gets bookings."""
    per_lab: dict = defaultdict(list)
    for candidate in candidates:
        per_lab[candidate[0].pk].append(candidate)
    queues = list(per_lab.values())
    for queue in queues:
        ctx.rng.shuffle(queue)
    return [queue[i] for i in range(max(map(len, queues), default=0)) for queue in queues if i < len(queue)]


def _seed_bookings(ctx: SeedContext, labs: list[Lab]) -> None:
    if Booking.objects.filter(lab_id__in=[lab.pk for lab in labs]).exists():
        return  # seeded before: bookings are never topped up (re-runs create nothing)
    learners = list(User.objects.filter(email__endswith=LEARNER_SUFFIX).order_by("email").values_list("pk", flat=True))
    if not learners:
        return
    course_ids = {lab.required_course_id for lab in labs if lab.required_course_id}
    enrolled = defaultdict(list)
    for user_id, course_id in Enrollment.objects.filter(
        course_id__in=course_ids, status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED]
    ).values_list("user_id", "course_id"):
        enrolled[course_id].append(user_id)

    now = timezone.now()
    candidates = _interleaved(ctx, _slots_by_lab(labs, -WINDOW_DAYS, WINDOW_DAYS))
    intervals: dict = defaultdict(list)
    upcoming: Counter = Counter()
    seats: Counter = Counter()
    bookings: list[Booking] = []
    target = ctx.scale.bookings

    def book(lab: Lab, start: datetime, end: datetime, user_id) -> bool:
        if start > now and upcoming[user_id] >= MAX_UPCOMING_BOOKINGS:
            return False
        if any(s < end and e > start for s, e in intervals[user_id]):
            return False
        intervals[user_id].append((start, end))
        upcoming[user_id] += start > now
        seats[(lab.pk, start)] += 1
        bookings.append(Booking(user_id=user_id, lab=lab, start=start, end=end))
        return True

    def fill(candidates: list, *, full_first: tuple | None = None) -> None:
        for lab, start, end in ctx.progress(candidates, desc="lab bookings"):
            if len(bookings) >= target:
                return
            pool = enrolled[lab.required_course_id] if lab.required_course_id else learners
            if not pool:
                continue
            # A few slots fill up completely; most hold a handful of learners.
            full = (lab, start, end) == full_first or ctx.rng.random() < 0.1
            wanted = lab.capacity if full else ctx.rng.randint(1, max(1, lab.capacity // 3))
            for _attempt in range(wanted * 3):
                if seats[(lab.pk, start)] >= wanted or len(bookings) >= target:
                    break
                book(lab, start, end, ctx.rng.choice(pool))

    # The demo learner (the first login printed) has upcoming bookings.
    for lab, start, end in [c for c in candidates if c[1] > now and c[0].required_course_id is None][:3]:
        book(lab, start, end, learners[0])
    # One upcoming slot of the first lab is fully booked, to show slot_full.
    first_full = next((c for c in candidates if c[0] == labs[0] and c[1] > now), None)
    if first_full is not None:
        candidates.remove(first_full)
        candidates.insert(0, first_full)
    fill(candidates, full_first=first_full)
    for chunk in range(1, HISTORY_CHUNKS + 1):
        if len(bookings) >= target:
            break
        older = _slots_by_lab(labs, -WINDOW_DAYS * (chunk + 1), -WINDOW_DAYS * chunk - 1)
        fill(_interleaved(ctx, older))

    # One in ten upcoming bookings was cancelled again: no seat held.
    upcoming_bookings = [
        booking
        for booking in bookings
        if booking.start > now and (first_full is None or (booking.lab, booking.start) != first_full[:2])
    ]
    for booking in upcoming_bookings[3::10]:  # the first three are the demo learner's
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancel_reason = Booking.CancelReason.USER
        seats[(booking.lab_id, booking.start)] -= 1
    ctx.bulk_create(Booking, bookings, desc="lab bookings")
    _store_counters(ctx, seats)


def _store_counters(ctx: SeedContext, seats: Counter) -> None:
    """LabSlot.booked = active bookings per slot (rows may exist from earlier API use)."""
    lab_ids = {lab_id for lab_id, _ in seats}
    existing = set(LabSlot.objects.filter(lab_id__in=lab_ids).values_list("lab_id", "start"))
    for key in existing & set(seats):
        LabSlot.objects.filter(lab_id=key[0], start=key[1]).update(booked=F("booked") + seats[key])
    rows = [
        LabSlot(lab_id=lab_id, start=start, booked=n)
        for (lab_id, start), n in seats.items()
        if (lab_id, start) not in existing
    ]
    ctx.bulk_create(LabSlot, rows, desc="lab slot counters")


def seed(ctx: SeedContext) -> None:
    labs = _create_labs(ctx)
    _seed_bookings(ctx, labs)
