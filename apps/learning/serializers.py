"""Request shapes of the learning API (docs/api.md, Learning); responses are
rendered by ``apps.learning.outputs``."""

from rest_framework import serializers

from apps.learning.models import Enrollment
from deltalabs.inputs import InputSerializer


class EnrollmentCreateInput(InputSerializer):
    course_id = serializers.UUIDField()
    sponsorship_code = serializers.CharField(max_length=64, required=False, allow_blank=True)
    waitlist = serializers.BooleanField(
        default=False, help_text="If the course is full, join its waitlist instead of failing with course_full."
    )


class EnrollmentListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Enrollment.LEARNER_STATUSES, required=False)


class ProgressUpdateInput(InputSerializer):
    lesson_id = serializers.UUIDField()
    completed = serializers.BooleanField()
