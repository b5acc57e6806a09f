"""Error codes of the engagement domain (the common ones live in deltalabs.errors)."""

# A learner tried to post in a course that is archived (read-only for learners).
COURSE_ARCHIVED = "course_archived"
