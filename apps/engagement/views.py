"""Course Q&A endpoints: validate input, call one service, render the result.

Every rule (who may read, post, accept, moderate; what is hidden from whom)
lives in ``apps.engagement.services``; these views only translate HTTP.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.engagement import outputs, serializers, services
from deltalabs.api import ApiView, page_response, query_data
from deltalabs.openapi import PAGINATION_PARAMETERS, paginated
from deltalabs.pagination import page_args

TAGS = ["engagement"]
ACCESS = (
    "Only enrolled learners (active or completed), the course's instructors and staff: 404 `not_found` for a "
    "course the caller cannot see (unknown, or a draft they do not teach), 403 `permission_denied` for a "
    "visible course where the caller has no role."
)


class QuestionListView(ApiView):
    @extend_schema(
        parameters=[serializers.QuestionListQuery, *PAGINATION_PARAMETERS],
        responses={200: paginated(outputs.QuestionSerializer)},
        summary="List a course's questions",
        operation_id="courses_questions_list",
        description=f"Newest first; `?lesson=` narrows to one lesson. Hidden questions only for instructors and staff. {ACCESS}",
        tags=TAGS,
    )
    def get(self, request, course_id):
        query = serializers.QuestionListQuery(data=query_data(request))
        query.is_valid(raise_exception=True)
        page = services.question_list(
            actor=request.user, course_id=course_id, lesson_id=query.validated_data.get("lesson"), **page_args(request)
        )
        return page_response(page, outputs.QuestionSerializer)

    @extend_schema(
        request=serializers.QuestionCreateInput,
        responses={201: outputs.QuestionSerializer},
        summary="Ask a question",
        description=(
            "`lesson_id`, if given, must be a lesson of this course (400 `validation_error`). "
            f"409 `course_archived` for learners in an archived course. {ACCESS}"
        ),
        tags=TAGS,
    )
    def post(self, request, course_id):
        data = serializers.QuestionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_create(actor=request.user, course_id=course_id, **data.validated_data)
        return Response(outputs.QuestionSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailView(ApiView):
    @extend_schema(
        responses={200: outputs.QuestionSerializer},
        summary="One question",
        description=f"404 `not_found` for a question of another course or a hidden one (learners). {ACCESS}",
        tags=TAGS,
    )
    def get(self, request, course_id, question_id):
        question = services.question_get(actor=request.user, course_id=course_id, question_id=question_id)
        return Response(outputs.QuestionSerializer(question).data)

    @extend_schema(
        responses={204: None},
        summary="Delete a question (moderation)",
        description=f"Deletes the question and its answers. Instructors of the course and staff; others 403. {ACCESS}",
        tags=TAGS,
    )
    def delete(self, request, course_id, question_id):
        services.question_delete(actor=request.user, question_id=question_id, course_id=course_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuestionAcceptView(ApiView):
    @extend_schema(
        request=serializers.AcceptInput,
        responses={200: outputs.QuestionSerializer},
        summary="Accept an answer",
        description=(
            "The question's author, the course's instructors and staff (others 403 `permission_denied`). "
            f"An answer of another question (or a hidden one) is 400 `validation_error`. {ACCESS}"
        ),
        tags=TAGS,
    )
    def post(self, request, course_id, question_id):
        data = serializers.AcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_accept_answer(
            actor=request.user, course_id=course_id, question_id=question_id, answer_id=data.validated_data["answer_id"]
        )
        return Response(outputs.QuestionSerializer(question).data)


class QuestionHideView(ApiView):
    @extend_schema(
        request=serializers.HideInput,
        responses={200: outputs.QuestionSerializer},
        summary="Hide or show a question (moderation)",
        description=f"`{{hidden: true|false}}`. Instructors of the course and staff; others 403. {ACCESS}",
        tags=TAGS,
    )
    def post(self, request, course_id, question_id):
        data = serializers.HideInput(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_hide(
            actor=request.user, question_id=question_id, hidden=data.validated_data["hidden"], course_id=course_id
        )
        return Response(outputs.QuestionSerializer(question).data)


class AnswerListView(ApiView):
    @extend_schema(
        parameters=[serializers.AnswerListQuery, *PAGINATION_PARAMETERS],
        responses={200: paginated(outputs.AnswerSerializer)},
        summary="List a course's answers",
        operation_id="courses_answers_list",
        description=(
            "Oldest first; `?question=` narrows to one question (404 if the caller cannot see it). "
            f"Hidden answers only for instructors and staff. {ACCESS}"
        ),
        tags=TAGS,
    )
    def get(self, request, course_id):
        query = serializers.AnswerListQuery(data=query_data(request))
        query.is_valid(raise_exception=True)
        page = services.answer_list(
            actor=request.user,
            course_id=course_id,
            question_id=query.validated_data.get("question"),
            **page_args(request),
        )
        return page_response(page, outputs.AnswerSerializer)

    @extend_schema(
        request=serializers.AnswerCreateInput,
        responses={201: outputs.AnswerSerializer},
        summary="Answer a question",
        description=(
            "`question_id` must be a question of this course (400 `validation_error`). The question's author "
            f"is emailed. 409 `course_archived` for learners in an archived course. {ACCESS}"
        ),
        tags=TAGS,
    )
    def post(self, request, course_id):
        data = serializers.AnswerCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.answer_create(actor=request.user, course_id=course_id, **data.validated_data)
        return Response(outputs.AnswerSerializer(answer).data, status=status.HTTP_201_CREATED)


class AnswerDetailView(ApiView):
    @extend_schema(
        responses={204: None},
        summary="Delete an answer (moderation)",
        description=f"Instructors of the course and staff; others 403. {ACCESS}",
        tags=TAGS,
    )
    def delete(self, request, course_id, answer_id):
        services.answer_delete(actor=request.user, answer_id=answer_id, course_id=course_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AnswerHideView(ApiView):
    @extend_schema(
        request=serializers.HideInput,
        responses={200: outputs.AnswerSerializer},
        summary="Hide or show an answer (moderation)",
        description=f"`{{hidden: true|false}}`. Instructors of the course and staff; others 403. {ACCESS}",
        tags=TAGS,
    )
    def post(self, request, course_id, answer_id):
        data = serializers.HideInput(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.answer_hide(
            actor=request.user, answer_id=answer_id, hidden=data.validated_data["hidden"], course_id=course_id
        )
        return Response(outputs.AnswerSerializer(answer).data)
