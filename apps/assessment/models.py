"""Assessments (quizzes and assignments), their items, and learners' submissions.

- ``Assessment.weight`` is a relative weight (any non-negative decimal): the
  course grade divides by the sum of the published assessments' weights, so
  25/25/50 and 0.25/0.25/0.5 grade alike (docs/decisions.md).
- ``AssessmentItem.answer_key`` never leaves the server in a learner's
  response: learner serializers do not have the field at all.
- One submission per (user, assessment), enforced by a unique constraint so
  two concurrent submissions cannot both land.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from deltalabs.db import TimeStampedModel, UUIDModel


class Assessment(TimeStampedModel):
    class Kind(models.TextChoices):
        QUIZ = "quiz"
        ASSIGNMENT = "assignment"

    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="assessments")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.QUIZ)
    weight = models.DecimalField(
        max_digits=7, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(Decimal("0"))]
    )
    max_score = models.DecimalField(
        max_digits=7, decimal_places=2, default=Decimal("100"), validators=[MinValueValidator(Decimal("0.01"))]
    )
    due_at = models.DateTimeField(null=True, blank=True)
    is_published = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["course", "position", "id"], name="assessment_course_position"),
            models.Index(fields=["course", "is_published", "position", "id"], name="assessment_course_published"),
        ]

    def __str__(self) -> str:
        return self.title


class AssessmentItem(UUIDModel):
    """One question of an assessment.

    ``choice`` items list ``choices`` (strings) and carry the correct choice
    indices in ``answer_key`` (``[2]`` or, for several right choices, ``[0, 3]``);
    they are graded at once. ``text`` items are graded by instructors;
    their ``answer_key`` is an optional model answer for graders.
    """

    class Kind(models.TextChoices):
        CHOICE = "choice"
        TEXT = "text"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CHOICE)
    prompt = models.TextField()
    choices = models.JSONField(default=list, blank=True)
    answer_key = models.JSONField(null=True, blank=True)
    points = models.DecimalField(
        max_digits=7, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["assessment", "position"], name="item_assessment_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.prompt[:60]}"


class Submission(TimeStampedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted"
        GRADED = "graded"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="submissions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    # Denormalised from the assessment: the gradebook and the grading queue
    # filter by course without a join.
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="submissions")
    answers = models.JSONField(default=dict, blank=True)
    # The part graded automatically (choice items), on the max_score scale.
    auto_score = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    # The grade that counts; null until the submission is graded.
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    feedback = models.TextField(blank=True, max_length=10_000)
    submitted_at = models.DateTimeField()
    is_late = models.BooleanField(default=False)

    class Meta:
        ordering = ["-submitted_at", "id"]
        permissions = [("grade_submission", "Can grade and reset submissions")]
        constraints = [models.UniqueConstraint(fields=["user", "assessment"], name="uniq_submission_per_user")]
        indexes = [
            models.Index(fields=["course", "user"], name="submission_course_user"),
            models.Index(fields=["user", "-submitted_at", "id"], name="submission_user_recent"),
            models.Index(fields=["assessment", "-submitted_at", "id"], name="submission_assessment_recent"),
            models.Index(fields=["status", "submitted_at"], name="submission_grading_queue"),
            models.Index(fields=["course", "status", "submitted_at"], name="submission_course_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.assessment_id} ({self.status})"


class SubmissionToGrade(Submission):
    """The admin's grading queue: submissions still waiting for an instructor."""

    class Meta:
        proxy = True
        verbose_name = "submission to grade"
        verbose_name_plural = "grading queue"
