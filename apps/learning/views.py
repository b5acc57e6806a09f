"""Learning endpoints: validate input, call one service, render the result.

Every enrollment endpoint needs a token. Ownership (another learner's
enrollment is a 404) is enforced by ``apps.learning.services``, not here.
Also a course's detail and resources (paths under ``/v1/courses``, documented
with the catalogue): what they show depends on the caller's enrollment.
"""

from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.catalog import outputs as catalog_outputs
from apps.learning import outputs, serializers, services
from apps.learning.models import Enrollment
from deltalabs.api import ApiView, page_response, query_data
from deltalabs.openapi import PAGINATION_PARAMETERS, paginated
from deltalabs.pagination import page_args

ERROR_BODY = {"$ref": "#/components/schemas/Error"}


class EnrollmentListView(ApiView):
    idempotency_required = frozenset({"POST"})

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(Enrollment.LEARNER_STATUSES)),
            *PAGINATION_PARAMETERS,
        ],
        responses={200: paginated(outputs.EnrollmentSerializer)},
        operation_id="enrollments_list",
        summary="Your enrollments",
        description="Newest first. 400 `validation_error` for an unknown status or a bad cursor.",
        tags=["learning"],
    )
    def get(self, request):
        query = serializers.EnrollmentListQuery(data=query_data(request))
        query.is_valid(raise_exception=True)
        page = services.enrollment_list(
            actor=request.user,
            status=query.validated_data.get("status"),
            **page_args(request),
        )
        return page_response(page, outputs.EnrollmentSerializer)

    @extend_schema(
        request=serializers.EnrollmentCreateInput,
        responses={
            201: outputs.EnrollmentSerializer,
            402: OpenApiResponse(
                response=ERROR_BODY, description="payment_required: a paid course without a sponsorship code."
            ),
        },
        summary="Enroll in a course",
        description=(
            "Idempotency-Key required. 201 `active` for a free course or a valid sponsorship code; with "
            "`waitlist: true` a full free course answers 201 `waitlisted` with `waitlist_position`. "
            "402 `payment_required` for a paid course without a code (buy it through the cart); "
            "409 `course_full`, `enrollment_closed`, `already_enrolled`; 400 `invalid_sponsorship_code`; "
            "404 `not_found` for an unknown or unpublished course."
        ),
        tags=["learning"],
    )
    def post(self, request):
        data = serializers.EnrollmentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = services.enrollment_create(
            actor=request.user,
            course_id=data.validated_data["course_id"],
            sponsorship_code=data.validated_data.get("sponsorship_code"),
            waitlist=data.validated_data["waitlist"],
        )
        return Response(outputs.EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)


class EnrollmentDetailView(ApiView):
    @extend_schema(
        responses={200: outputs.EnrollmentSerializer},
        summary="One of your enrollments",
        description="404 `not_found` for another learner's enrollment.",
        tags=["learning"],
    )
    def get(self, request, enrollment_id):
        enrollment = services.enrollment_get(actor=request.user, enrollment_id=enrollment_id)
        return Response(outputs.EnrollmentSerializer(enrollment).data)


class EnrollmentCancelView(ApiView):
    @extend_schema(
        request=None,
        responses={200: outputs.EnrollmentSerializer},
        summary="Cancel an enrollment",
        description=(
            "For active or waitlisted enrollments (the learner's own; staff: anyone's). An active "
            "enrollment's seat goes to the first waitlisted learner, who is emailed. "
            "409 `enrollment_not_cancellable` for completed or cancelled ones; 404 `not_found` for others'."
        ),
        tags=["learning"],
    )
    def post(self, request, enrollment_id):
        enrollment = services.enrollment_cancel(actor=request.user, enrollment_id=enrollment_id)
        return Response(outputs.EnrollmentSerializer(enrollment).data)


class EnrollmentProgressView(ApiView):
    @extend_schema(
        responses={200: outputs.ProgressSerializer},
        summary="Progress in an enrollment",
        description="Every lesson of the course in outline order. 404 `not_found` for another learner's enrollment.",
        tags=["learning"],
    )
    def get(self, request, enrollment_id):
        report = services.enrollment_progress(actor=request.user, enrollment_id=enrollment_id)
        return Response(outputs.ProgressSerializer(report).data)

    @extend_schema(
        request=serializers.ProgressUpdateInput,
        responses={200: outputs.ProgressSerializer},
        summary="Mark a lesson completed (or not)",
        description=(
            "Idempotent. Completing the last lesson completes the enrollment and emails the learner. "
            "400 `validation_error` for a lesson of another course; 409 `enrollment_not_active` for a "
            "waitlisted or cancelled enrollment; 404 `not_found` for another learner's enrollment."
        ),
        tags=["learning"],
    )
    def patch(self, request, enrollment_id):
        data = serializers.ProgressUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.enrollment_progress_update(
            actor=request.user,
            enrollment_id=enrollment_id,
            lesson_id=data.validated_data["lesson_id"],
            completed=data.validated_data["completed"],
        )
        return Response(outputs.ProgressSerializer(report).data)


# --- A course as this caller may read it -----------------------------------------------


class CourseDetailView(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: catalog_outputs.CourseDetailSerializer},
        parameters=[
            OpenApiParameter(
                "course_id",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The course's id (a lower-case UUID) or its slug.",
            )
        ],
        summary="A course with its outline",
        description=(
            "The course named by its id or its slug. "
            "Sections and lessons in order. Lesson `content` is null unless the lesson is a preview or the "
            "caller is enrolled, an instructor of the course or staff. 404 `not_found` for unknown courses and "
            "for drafts/archived courses (except for staff and the course's instructors), by id or by slug."
        ),
        tags=["catalog"],
    )
    def get(self, request, course_id):
        document = services.course_detail_document(
            actor=request.user, course_id=course_id, render=catalog_outputs.render_course_detail
        )
        return Response(document)

    def prefetch_cache_keys(self, request) -> list[str]:
        """The cached course, read in the rate limiter's Redis round trip (by id;
        a slug is resolved in ``get``, which then reads the cache itself)."""
        course_ref = self.kwargs["course_id"]
        return services.course_detail_cache_keys(course_ref) if isinstance(course_ref, UUID) else []


class CourseResourcesView(ApiView):
    @extend_schema(
        parameters=PAGINATION_PARAMETERS,
        responses={200: paginated(catalog_outputs.ResourceSerializer)},
        summary="A course's resources",
        description=(
            "For enrolled learners (active or completed), instructors and staff. 401 `not_authenticated` "
            "without a token, 403 `permission_denied` for others, 404 `not_found` if the course is not visible."
        ),
        tags=["catalog"],
    )
    def get(self, request, course_id):
        page = services.course_resources(
            actor=request.user,
            course_id=course_id,
            **page_args(request),
        )
        return page_response(page, catalog_outputs.ResourceSerializer)
