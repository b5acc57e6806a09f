"""How the learning domain's objects are rendered (docs/api.md, Learning).

The output serializers of the learning views and of the assistant's learning
tools: an enrollment reads the same wherever it appears.
"""

from rest_framework import serializers

from apps.catalog.outputs import CourseBriefSerializer
from apps.learning.models import Enrollment


class EnrollmentSerializer(serializers.ModelSerializer):
    course = CourseBriefSerializer()
    user = serializers.UUIDField(source="user_id", help_text="The learner's user id.")
    # Learners never see a pending hold (a seat held while an order's payment settles).
    status = serializers.ChoiceField(choices=Enrollment.LEARNER_STATUSES)
    waitlist_position = serializers.IntegerField(
        allow_null=True, help_text="1-based place in the course's waitlist while waitlisted; otherwise null."
    )

    class Meta:
        model = Enrollment
        fields = ["id", "course", "user", "status", "source", "enrolled_at", "completed_at", "waitlist_position"]
        read_only_fields = fields


class LessonProgressSerializer(serializers.Serializer):
    lesson_id = serializers.UUIDField()
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)


class ProgressSerializer(serializers.Serializer):
    """A ``services.ProgressReport``."""

    enrollment_id = serializers.UUIDField()
    completed_lessons = serializers.IntegerField()
    total_lessons = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="0-100, rounded down: 100 only when every lesson is completed.")
    lessons = LessonProgressSerializer(many=True, help_text="Every lesson of the course, in outline order.")
