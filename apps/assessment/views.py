"""Assessment endpoints: validate input, call one service, render the result.

Every rule (who sees which assessment, who submits and grades, the grading
arithmetic) lives in ``apps.assessment.services``. The only choice made here
is which shape to render, and the service makes it: ``show_answer_keys``
selects the instructor shape; otherwise the learner shape, which has no
answer-key field at all.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.response import Response

from apps.assessment import outputs, serializers, services
from deltalabs.api import ApiView, page_response, query_data
from deltalabs.openapi import PAGINATION_PARAMETERS, paginated
from deltalabs.pagination import page_args, sent_page_args

TAGS = ["assessment"]
ACCESS = (
    "Only enrolled learners (active or completed), the course's instructors and staff: 404 `not_found` for a "
    "course the caller cannot see (unknown, or a draft they do not teach), 403 `permission_denied` for a "
    "visible course where the caller has no role."
)


SUBMISSION_PAGE = paginated(outputs.SubmissionSerializer)


def _assessment_shape(show_answer_keys: bool):
    return outputs.InstructorAssessmentSerializer if show_answer_keys else outputs.LearnerAssessmentSerializer


def _assessment_either(many: bool = False) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name="AssessmentForCaller",
        serializers=[outputs.LearnerAssessmentSerializer, outputs.InstructorAssessmentSerializer],
        resource_type_field_name=None,
        many=many,
    )


_ASSESSMENT_PAGE = inline_serializer(
    name="PaginatedAssessmentForCallerList",
    fields={
        "results": _assessment_either(many=True),
        "next_cursor": drf_serializers.CharField(allow_null=True, help_text="Pass as ?cursor= for the next page."),
    },
)


class CourseAssessmentListView(ApiView):
    @extend_schema(
        parameters=PAGINATION_PARAMETERS,
        responses={200: _ASSESSMENT_PAGE},
        operation_id="courses_assessments_list",
        summary="List a course's assessments",
        description=(
            "In course order, with items. Learners see published assessments and never an answer key; "
            f"instructors and staff see every assessment with its items' `answer_key`. {ACCESS}"
        ),
        tags=TAGS,
    )
    def get(self, request, course_id):
        listing = services.assessment_list(actor=request.user, course_id=course_id, **page_args(request))
        return page_response(listing.page, _assessment_shape(listing.show_answer_keys))


class AssessmentDetailView(ApiView):
    @extend_schema(
        responses={200: _assessment_either()},
        summary="One assessment",
        description=f"Unpublished assessments are 404 for learners; answer keys only for instructors and staff. {ACCESS}",
        tags=TAGS,
    )
    def get(self, request, assessment_id):
        view = services.assessment_get(actor=request.user, assessment_id=assessment_id)
        return Response(_assessment_shape(view.show_answer_keys)(view.assessment).data)


class AssessmentSubmissionListView(ApiView):
    @extend_schema(
        parameters=[serializers.AssessmentSubmissionListQuery, *PAGINATION_PARAMETERS],
        responses={200: SUBMISSION_PAGE},
        summary="Submissions to an assessment",
        operation_id="assessments_submissions_list",
        description=f"Newest first; `?status=` filters. Instructors and staff see all; learners their own. {ACCESS}",
        tags=TAGS,
    )
    def get(self, request, assessment_id):
        query = serializers.AssessmentSubmissionListQuery(data=query_data(request))
        query.is_valid(raise_exception=True)
        page = services.submission_list_for_assessment(
            actor=request.user,
            assessment_id=assessment_id,
            status=query.validated_data.get("status"),
            **page_args(request),
        )
        return page_response(page, outputs.SubmissionSerializer)

    @extend_schema(
        request=serializers.SubmissionCreateInput,
        responses={201: outputs.SubmissionSerializer},
        summary="Hand in an assessment",
        description=(
            "`answers` maps item ids to a choice index (or list of indices) or a text. Choice items are graded at "
            "once; all-choice assessments come back `graded`, others `submitted` until an instructor grades them. "
            "After `due_at` the submission is accepted and flagged `is_late`. 400 `validation_error` (answers that "
            "do not fit the items), 403 `permission_denied` (not an enrolled learner), 404 (unknown or unpublished), "
            f"409 `already_submitted`, 409 `course_archived`. {ACCESS}"
        ),
        tags=TAGS,
    )
    def post(self, request, assessment_id):
        data = serializers.SubmissionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.submission_create(
            actor=request.user, assessment_id=assessment_id, answers=data.validated_data["answers"]
        )
        return Response(outputs.SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


class SubmissionListView(ApiView):
    @extend_schema(
        parameters=[serializers.SubmissionListQuery, *PAGINATION_PARAMETERS],
        responses={200: SUBMISSION_PAGE},
        summary="Your submissions",
        operation_id="submissions_list",
        description="The caller's own submissions, newest first; `?course=` narrows to one course.",
        tags=TAGS,
    )
    def get(self, request):
        query = serializers.SubmissionListQuery(data=query_data(request))
        query.is_valid(raise_exception=True)
        page = services.submission_list_own(
            actor=request.user, course_id=query.validated_data.get("course"), **page_args(request)
        )
        return page_response(page, outputs.SubmissionSerializer)


class SubmissionDetailView(ApiView):
    @extend_schema(
        responses={200: outputs.SubmissionSerializer},
        summary="One submission",
        description="Its owner, the course's instructors and staff; anyone else 404 `not_found`.",
        tags=TAGS,
    )
    def get(self, request, submission_id):
        submission = services.submission_get(actor=request.user, submission_id=submission_id)
        return Response(outputs.SubmissionSerializer(submission).data)

    @extend_schema(
        request=serializers.SubmissionGradeInput,
        responses={200: outputs.SubmissionSerializer},
        summary="Grade a submission",
        description=(
            "Instructors of the course and staff set `score` (0 to the assessment's `max_score`, else 400 "
            "`validation_error`) and `feedback`; the submission becomes `graded` with `graded_by` and "
            "`graded_at`. Re-grading overrides. The owner gets 403 `permission_denied`, anyone else 404."
        ),
        tags=TAGS,
    )
    def patch(self, request, submission_id):
        data = serializers.SubmissionGradeInput(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.submission_grade(
            actor=request.user,
            submission_id=submission_id,
            score=data.validated_data.get("score"),
            feedback=data.validated_data.get("feedback"),
        )
        return Response(outputs.SubmissionSerializer(submission).data)


class CourseGradesView(ApiView):
    @extend_schema(
        parameters=PAGINATION_PARAMETERS,
        responses={
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="CourseGrades",
                    serializers=[
                        outputs.LearnerGradesSerializer,
                        paginated(outputs.LearnerGradesSerializer, name="GradebookRow"),
                    ],
                    resource_type_field_name=None,
                ),
                description="Learners: their own grades. Instructors and staff: a gradebook page.",
            )
        },
        summary="Grades in a course",
        description=(
            "A learner gets `{user, assessments, course_grade}` for themselves (one object: `cursor` or `limit` "
            "from a learner is 400 `validation_error`); instructors and staff get every "
            "enrolled learner's row, cursor-paginated (`cursor`, `limit`), at a fixed number of queries per page. "
            "`course_grade` is a percent: 100 x sum(weight x score / max_score over graded work) / sum(weight "
            f"over published assessments), rounded half-up to 0.01; null without published weight. {ACCESS}"
        ),
        tags=TAGS,
    )
    def get(self, request, course_id):
        grades = services.course_grades(actor=request.user, course_id=course_id, **sent_page_args(request))
        if grades.gradebook is not None:
            return page_response(grades.gradebook, outputs.LearnerGradesSerializer)
        return Response(outputs.LearnerGradesSerializer(grades.learner).data)
