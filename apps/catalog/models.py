"""Catalog entities: categories, courses, their ordered outline and resources.

Catalog owns ``Course`` with its seat counters (``capacity``, ``seats_taken``,
``waitlist_length``): they are read and written only through
``apps.catalog.repositories``, the counters by single conditional updates
(never read-modify-write) that learning's services call when a seat or a
waitlist place changes hands.
Instructors are linked through ``CourseInstructor`` (UUID key; MongoDB has no
auto-created join tables with integer keys).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from deltalabs.db import TimeStampedModel, UUIDModel


class Category(UUIDModel):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Course(TimeStampedModel):
    class Level(models.TextChoices):
        BEGINNER = "beginner"
        INTERMEDIATE = "intermediate"
        ADVANCED = "advanced"

    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        ARCHIVED = "archived"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200, db_index=True)
    summary = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="courses")
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.BEGINNER, db_index=True)
    language = models.CharField(max_length=12, default="en")
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0, db_index=True)
    currency = models.CharField(max_length=3, default="USD")
    # null = unlimited seats
    capacity = models.PositiveIntegerField(null=True, blank=True)
    seats_taken = models.PositiveIntegerField(default=0)
    waitlist_length = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    enrollment_opens_at = models.DateTimeField(null=True, blank=True)
    enrollment_closes_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CourseInstructor", related_name="taught_courses", blank=True
    )

    class Meta:
        ordering = ["-published_at", "id"]
        permissions = [("publish_course", "Can publish and archive courses")]
        indexes = [
            models.Index(fields=["status", "-published_at", "id"], name="course_status_published"),
            models.Index(fields=["status", "title", "id"], name="course_status_title"),
            models.Index(fields=["status", "price", "id"], name="course_status_price"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(seats_taken__lte=models.F("capacity")),
                name="course_seats_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_free(self) -> bool:
        return self.price == 0


class CourseInstructor(UUIDModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="course_instructors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instructor_links")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="uniq_course_instructor")]

    def __str__(self) -> str:
        return f"{self.user} teaches {self.course}"


class Section(UUIDModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["course", "position"], name="section_course_position")]

    def __str__(self) -> str:
        return self.title


class Lesson(UUIDModel):
    class Kind(models.TextChoices):
        VIDEO = "video"
        READING = "reading"
        LAB = "lab"
        QUIZ = "quiz"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="lessons")
    # Denormalised from the section: "is this lesson part of that course?" is
    # asked on every progress update and must be one indexed lookup.
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.READING)
    duration_minutes = models.PositiveIntegerField(default=0)
    is_preview = models.BooleanField(default=False)
    content = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["course", "position"], name="lesson_course_position")]

    def __str__(self) -> str:
        return self.title


class Resource(UUIDModel):
    class Kind(models.TextChoices):
        FILE = "file"
        LINK = "link"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LINK)
    url = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to="resources/", blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title
