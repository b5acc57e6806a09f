"""Request and response shapes of the learning API (docs/api.md, Learning)."""

from rest_framework import serializers

from apps.catalog.models import Course
from apps.learning.models import Enrollment


class CourseBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "slug", "title"]
        read_only_fields = fields


class EnrollmentSerializer(serializers.ModelSerializer):
    course = CourseBriefSerializer()
    user = serializers.UUIDField(source="user_id", help_text="The learner's user id.")
    waitlist_position = serializers.IntegerField(
        allow_null=True, help_text="1-based place in the course's waitlist while waitlisted; otherwise null."
    )

    class Meta:
        model = Enrollment
        fields = ["id", "course", "user", "status", "source", "enrolled_at", "completed_at", "waitlist_position"]
        read_only_fields = fields


class EnrollmentCreateInput(serializers.Serializer):
    course_id = serializers.UUIDField()
    sponsorship_code = serializers.CharField(max_length=64, required=False, allow_blank=True)
    waitlist = serializers.BooleanField(
        default=False, help_text="If the course is full, join its waitlist instead of failing with course_full."
    )


class EnrollmentListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Enrollment.Status.choices, required=False)


class LessonProgressSerializer(serializers.Serializer):
    lesson_id = serializers.UUIDField()
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)


class ProgressSerializer(serializers.Serializer):
    enrollment_id = serializers.UUIDField()
    completed_lessons = serializers.IntegerField()
    total_lessons = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="0-100, rounded down: 100 only when every lesson is completed.")
    lessons = LessonProgressSerializer(many=True, help_text="Every lesson of the course, in outline order.")


class ProgressUpdateInput(serializers.Serializer):
    lesson_id = serializers.UUIDField()
    completed = serializers.BooleanField()
