"""Catalog endpoints (public reads): parse the query, call one service, render.

Anyone may browse without a token; a token that is sent must be valid.
Visibility and caching live in ``apps.catalog.services``.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.catalog import outputs, services
from apps.catalog.filters import CourseFilterSet
from apps.catalog.models import Course
from deltalabs.api import ApiView, page_response
from deltalabs.errors import ValidationFailed
from deltalabs.openapi import PAGINATION_PARAMETERS, paginated
from deltalabs.pagination import page_args

COURSE_FILTER_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Case-insensitive search in title and summary."),
    OpenApiParameter("category", OpenApiTypes.STR, description="Category id or slug."),
    OpenApiParameter("level", OpenApiTypes.STR, enum=Course.Level.values),
    OpenApiParameter("is_free", OpenApiTypes.BOOL, description="true: price 0; false: paid courses."),
    OpenApiParameter("instructor", OpenApiTypes.UUID, description="Courses taught by this user."),
    OpenApiParameter("ordering", OpenApiTypes.STR, enum=list(services.ORDERINGS), default="-published_at"),
]


class CourseListView(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=COURSE_FILTER_PARAMETERS + PAGINATION_PARAMETERS,
        responses={200: paginated(outputs.CourseSerializer)},
        operation_id="courses_list",
        summary="Browse courses",
        description=(
            "Published courses (staff also see drafts and archived ones), newest first by default. "
            "400 `validation_error` for an invalid filter, ordering or cursor."
        ),
        tags=["catalog"],
    )
    def get(self, request):
        filters = CourseFilterSet(data=request.query_params, queryset=Course.objects.none())
        if not filters.is_valid():
            raise ValidationFailed("The course filters are invalid.", filters.error_details())
        page = services.course_search(
            actor=request.user,
            **page_args(request),
            **filters.search_arguments(),
        )
        return page_response(page, outputs.CourseSerializer)


class CourseDetailView(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: outputs.CourseDetailSerializer},
        summary="A course with its outline",
        description=(
            "Sections and lessons in order. Lesson `content` is null unless the lesson is a preview or the "
            "caller is enrolled, an instructor of the course or staff. 404 `not_found` for unknown courses and "
            "for drafts/archived courses (except for staff and the course's instructors)."
        ),
        tags=["catalog"],
    )
    def get(self, request, course_id):
        detail = services.course_detail(actor=request.user, course_id=course_id)
        return Response(outputs.CourseDetailSerializer(detail.course, context={"detail": detail}).data)


class CourseResourcesView(ApiView):
    @extend_schema(
        parameters=PAGINATION_PARAMETERS,
        responses={200: paginated(outputs.ResourceSerializer)},
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
        return page_response(page, outputs.ResourceSerializer)


class CategoryListView(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=PAGINATION_PARAMETERS,
        responses={200: paginated(outputs.CategorySerializer)},
        summary="Course categories",
        description="In display order. 400 `validation_error` for a bad cursor.",
        tags=["catalog"],
    )
    def get(self, request):
        page = services.category_list(**page_args(request))
        return page_response(page, outputs.CategorySerializer)
