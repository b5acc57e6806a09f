"""Demo catalogue: categories, courses with outlines and instructors, by size.

Natural keys make it idempotent: categories and courses by slug; a course's
sections, lessons and instructors are created only together with the course.
Every size contains the showcase courses (free, paid, a small free workshop,
a full course with a waitlist (filled by the learning seeder), a closed
enrollment window, one opening later, a draft and an archived course); the
rest are generated up to ``ctx.scale.courses``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.catalog.models import Category, Course, CourseInstructor, Lesson, Resource, Section
from apps.identity.models import User
from apps.identity.seeding import instructor_email
from deltalabs.seeding import SeedContext

CATEGORIES = [
    ("programming", "Programming"),
    ("data-science", "Data science"),
    ("robotics", "Robotics"),
    ("electronics", "Electronics"),
    ("design", "Design"),
    ("cloud", "Cloud and DevOps"),
    ("business", "Business"),
    ("languages", "Languages"),
]

# Showcase courses (README, Operations: what even the small seed shows): slug -> settings. Capacities and windows matter to
# apps.learning.seeding, which fills the workshop and the waitlist.
WORKSHOP_SLUG = "soldering-workshop"
FULL_COURSE_SLUG = "robotics-bootcamp"
CLOSED_COURSE_SLUG = "machine-learning-spring-cohort"
FREE_COURSE_SLUG = "python-for-beginners"
PAID_COURSE_SLUG = "data-analysis-with-pandas"


@dataclass(frozen=True)
class Showcase:
    slug: str
    title: str
    category: str
    level: str
    price: str = "0"
    capacity: int | None = None
    status: str = Course.Status.PUBLISHED
    opens_in_days: int | None = None
    closes_in_days: int | None = None
    summary: str = ""


SHOWCASE = [
    Showcase(
        FREE_COURSE_SLUG,
        "Python for Beginners",
        "programming",
        "beginner",
        summary="Variables, loops, functions and files: your first real Python programs.",
    ),
    Showcase(
        PAID_COURSE_SLUG,
        "Data Analysis with Pandas",
        "data-science",
        "intermediate",
        price="49.00",
        summary="Clean, reshape and chart real data sets with pandas and Python.",
    ),
    Showcase(
        WORKSHOP_SLUG,
        "Soldering Workshop",
        "electronics",
        "beginner",
        capacity=12,
        summary="A hands-on free workshop for a dozen people: irons, flux and your first circuit board.",
    ),
    Showcase(
        FULL_COURSE_SLUG,
        "Robotics Bootcamp",
        "robotics",
        "intermediate",
        capacity=8,
        summary="Build and program a small robot in a tight-knit group. Full? Join the waitlist.",
    ),
    Showcase(
        CLOSED_COURSE_SLUG,
        "Machine Learning: Spring Cohort",
        "data-science",
        "advanced",
        price="199.00",
        closes_in_days=-10,
        opens_in_days=-60,
        summary="A cohort-based ML course. Enrollment for this cohort has closed.",
    ),
    Showcase(
        "cloud-fundamentals-autumn",
        "Cloud Fundamentals: Autumn Cohort",
        "cloud",
        "beginner",
        price="29.00",
        opens_in_days=14,
        closes_in_days=45,
        summary="Enrollment opens in two weeks.",
    ),
    Showcase(
        "advanced-rust-systems",
        "Advanced Rust: Systems Programming",
        "programming",
        "advanced",
        price="79.00",
        status=Course.Status.DRAFT,
        summary="Still being written: visible to staff and its instructors only.",
    ),
    Showcase(
        "flash-for-designers",
        "Flash for Designers",
        "design",
        "beginner",
        status=Course.Status.ARCHIVED,
        summary="Retired: kept for the learners who took it.",
    ),
]

TOPICS = [
    ("programming", "JavaScript"),
    ("programming", "Go"),
    ("programming", "SQL"),
    ("data-science", "Statistics"),
    ("data-science", "Deep Learning"),
    ("robotics", "ROS"),
    ("robotics", "Drones"),
    ("electronics", "Arduino"),
    ("electronics", "PCB Design"),
    ("design", "UX Research"),
    ("design", "Typography"),
    ("cloud", "Kubernetes"),
    ("cloud", "Terraform"),
    ("business", "Product Management"),
    ("business", "Accounting"),
    ("languages", "Spanish"),
    ("languages", "Japanese"),
]
LEVEL_WORDS = {"beginner": "Foundations of", "intermediate": "Practical", "advanced": "Mastering"}
PRICES = ["0", "0", "0", "19.00", "29.00", "49.00", "99.00"]
LESSON_KINDS = [Lesson.Kind.VIDEO, Lesson.Kind.READING, Lesson.Kind.LAB, Lesson.Kind.QUIZ]


def _generated(ctx: SeedContext, count: int) -> list[Showcase]:
    courses = []
    levels = list(LEVEL_WORDS)
    for number in range(1, count + 1):
        category, topic = TOPICS[(number - 1) % len(TOPICS)]
        level = levels[(number - 1) // len(TOPICS) % len(levels)]
        round_number = (number - 1) // (len(TOPICS) * len(levels)) + 1
        suffix = f" {round_number}" if round_number > 1 else ""
        courses.append(
            Showcase(
                slug=f"{topic.lower().replace(' ', '-')}-{level}{'-' + str(round_number) if round_number > 1 else ''}",
                title=f"{LEVEL_WORDS[level]} {topic}{suffix}",
                category=category,
                level=level,
                price=ctx.rng.choice(PRICES),
                summary=f"{LEVEL_WORDS[level]} {topic}: hands-on lessons, labs and quizzes.",
            )
        )
    return courses


def seed(ctx: SeedContext) -> None:
    now = timezone.now()
    categories = _seed_categories(ctx)
    wanted = SHOWCASE + _generated(ctx, max(ctx.scale.courses - len(SHOWCASE), 0))
    existing = set(Course.objects.filter(slug__in=[spec.slug for spec in wanted]).values_list("slug", flat=True))
    missing = [spec for spec in wanted if spec.slug not in existing]
    instructors = list(
        User.objects.filter(email__in=[instructor_email(n) for n in range(1, ctx.scale.instructors + 1)])
        .order_by("email")
        .values_list("id", flat=True)
    )

    courses: list[Course] = []
    for index, spec in enumerate(missing):
        published = spec.status != Course.Status.DRAFT
        courses.append(
            Course(
                slug=spec.slug,
                title=spec.title,
                summary=spec.summary,
                description=f"{spec.summary}\n\nEvery section ends with a short quiz; labs use the Delta Labs kits.",
                category_id=categories[spec.category],
                level=spec.level,
                price=Decimal(spec.price),
                capacity=spec.capacity,
                status=spec.status,
                published_at=now - timedelta(days=ctx.rng.randint(1, 365), minutes=index) if published else None,
                enrollment_opens_at=now + timedelta(days=spec.opens_in_days) if spec.opens_in_days else None,
                enrollment_closes_at=now + timedelta(days=spec.closes_in_days) if spec.closes_in_days else None,
            )
        )
    ctx.bulk_create(Course, courses, desc="courses")

    sections: list[Section] = []
    lessons: list[Lesson] = []
    links: list[CourseInstructor] = []
    resources: list[Resource] = []
    for index, course in enumerate(ctx.progress(courses, total=len(courses), desc="outlines")):
        for position in range(ctx.rng.randint(3, 5)):
            section = Section(
                course=course, title=f"Part {position + 1}: {SECTION_TITLES[position]}", position=position
            )
            sections.append(section)
            for lesson_position in range(ctx.rng.randint(3, 4)):
                kind = LESSON_KINDS[(position + lesson_position) % len(LESSON_KINDS)]
                lessons.append(
                    Lesson(
                        section=section,
                        course=course,
                        title=f"{kind.label} {position + 1}.{lesson_position + 1}",
                        kind=kind,
                        duration_minutes=ctx.rng.choice([5, 10, 15, 20, 30, 45]),
                        is_preview=position == 0 and lesson_position == 0,
                        content=f"{kind.label} material for {course.title}, part {position + 1}.",
                        position=lesson_position,
                    )
                )
        if instructors:
            # Instructor 1 (the demo login) teaches every showcase course.
            first = 0 if index < len(SHOWCASE) else index % len(instructors)
            chosen = {instructors[first], instructors[(first + 1 + index) % len(instructors)]}
            links += [
                CourseInstructor(course=course, user_id=user_id, position=position)
                for position, user_id in enumerate(sorted(chosen, key=str))
            ]
        resources.append(
            Resource(
                course=course,
                title="Course handbook",
                kind=Resource.Kind.LINK,
                url=f"https://docs.deltalabs.example/{course.slug}",
            )
        )
    ctx.bulk_create(Section, sections, desc="sections")
    ctx.bulk_create(Lesson, lessons, desc="lessons")
    ctx.bulk_create(CourseInstructor, links, desc="instructors")
    ctx.bulk_create(Resource, resources, desc="resources")


def _seed_categories(ctx: SeedContext) -> dict[str, object]:
    existing = dict(Category.objects.values_list("slug", "id"))
    missing = [
        Category(slug=slug, name=name, position=position)
        for position, (slug, name) in enumerate(CATEGORIES)
        if slug not in existing
    ]
    ctx.bulk_create(Category, missing, desc="categories")
    return dict(Category.objects.values_list("slug", "id"))


SECTION_TITLES = ["Getting started", "Core ideas", "Hands-on practice", "Going further", "Capstone"]
