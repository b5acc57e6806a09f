"""Request shapes of the assessment API (docs/api.md, Assessment); responses
are rendered by ``apps.assessment.outputs``."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.assessment.models import Submission
from apps.assessment.services import MAX_TEXT_ANSWER
from deltalabs.inputs import InputSerializer


def _is_choice_index(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0, "description": "A choice index."},
            {
                "type": "array",
                "items": {"type": "integer", "minimum": 0},
                "minItems": 1,
                "uniqueItems": True,
                "description": "Distinct choice indices.",
            },
            {"type": "string", "maxLength": MAX_TEXT_ANSWER, "description": "A text answer."},
        ]
    }
)
class AnswerField(serializers.Field):
    """One answer as JSON gives it: a choice index, a list of distinct indices
    or a text. Whether it fits its item (kind, index range) is the service's
    check; anything of another shape (null, a boolean, an object) is refused
    here."""

    default_error_messages = {
        "invalid": (
            f"An answer is a choice index, a non-empty list of distinct choice indices, "
            f"or a text of at most {MAX_TEXT_ANSWER} characters."
        )
    }

    def to_internal_value(self, data):
        if _is_choice_index(data) or (isinstance(data, str) and len(data) <= MAX_TEXT_ANSWER):
            return data
        if isinstance(data, list) and data and all(map(_is_choice_index, data)) and len(set(data)) == len(data):
            return data
        self.fail("invalid")

    def to_representation(self, value):
        return value


class SubmissionCreateInput(InputSerializer):
    answers = serializers.DictField(
        child=AnswerField(),
        allow_empty=True,
        help_text="{item_id: answer}: a choice index (or list) or text.",
    )


class SubmissionGradeInput(InputSerializer):
    score = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal(0), required=False)
    feedback = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class SubmissionListQuery(serializers.Serializer):
    course = serializers.UUIDField(required=False)


class AssessmentSubmissionListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Submission.Status.choices, required=False)
