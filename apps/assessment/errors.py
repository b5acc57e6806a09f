"""Error codes of the assessment domain (the common ones live in deltalabs.errors)."""

# The learner already handed this assessment in (one submission each).
ALREADY_SUBMITTED = "already_submitted"
# A learner tried to submit in a course that is archived (read-only for learners).
COURSE_ARCHIVED = "course_archived"
