"""Error codes of the assessment domain; ``course_archived``, which the Q&A
raises too, is ``deltalabs.errors.ErrorCode``."""

from enum import StrEnum


class AssessmentErrorCode(StrEnum):
    # 409: the learner already handed this assessment in (one submission each).
    ALREADY_SUBMITTED = "already_submitted"
