"""Course Q&A: questions (optionally about one lesson) and their answers.

``Question.answer_count`` counts the question's visible (not hidden) answers.
It is a counter changed only by ``F()`` updates in the services, in the same
transaction as the answer it counts, so lists never count rows per question.
``Answer.course`` is denormalised from the question: the course-wide answer
list is one indexed range query without a join.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from deltalabs.db import TimeStampedModel


class Question(TimeStampedModel):
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="questions")
    lesson = models.ForeignKey(
        "catalog.Lesson", on_delete=models.SET_NULL, null=True, blank=True, related_name="questions"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=10_000)
    answer_count = models.PositiveIntegerField(default=0)
    accepted_answer = models.ForeignKey(
        "engagement.Answer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Moderation: hidden questions are invisible to learners (their author included).
    is_hidden = models.BooleanField(default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["course", "-created_at", "id"], name="question_course_recent"),
            models.Index(fields=["course", "is_hidden", "-created_at", "id"], name="question_course_visible"),
            models.Index(fields=["is_hidden", "-created_at"], name="question_hidden_recent"),
        ]

    def __str__(self) -> str:
        return self.title


class Answer(TimeStampedModel):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answers")
    body = models.TextField(max_length=10_000)
    # Whether the author taught the course when answering (stored: the badge
    # keeps telling the truth about that moment if the teaching staff changes).
    is_instructor = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["question", "created_at", "id"], name="answer_question_thread"),
            models.Index(fields=["course", "created_at", "id"], name="answer_course_thread"),
            models.Index(fields=["is_hidden", "-created_at"], name="answer_hidden_recent"),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"
