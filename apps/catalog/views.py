"""Catalog endpoints (public reads): parse the query, call one service, render.

Anyone may browse without a token; a token that is sent must be valid.
Visibility and caching live in ``apps.catalog.services``. A course's detail
and resources depend on the caller's enrollment, which catalog does not know:
their endpoints are learning's (``apps.learning.views``).
The course list hands the service its output renderer, and the service caches
its output; the rate limiter reads the cache entries the list needs in its own
Redis round trip (``prefetch_cache_keys``).
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.catalog import outputs, services
from apps.catalog.filters import CourseFilterSet
from apps.catalog.models import Course
from deltalabs.api import ApiView, page_response
from deltalabs.errors import ApplicationError, ValidationFailed
from deltalabs.openapi import PAGINATION_PARAMETERS, paginated
from deltalabs.pagination import page_args
from deltalabs.renderers import Prerendered

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
        body = services.course_list_document(query=self._query(request), render=outputs.render_course_page)
        return Response(Prerendered(body))

    def prefetch_cache_keys(self, request) -> list[str]:
        try:
            return services.course_list_cache_keys(self._query(request))
        except ApplicationError:
            return []  # get() answers the bad query

    def _query(self, request) -> services.CourseQuery:
        """The validated query, parsed once per request (the filters only when sent)."""
        query = getattr(request, "_course_query", None)
        if query is None:
            query = request._course_query = services.course_query(
                actor=request.user, **page_args(request), **_filter_arguments(request)
            )
        return query


def _filter_arguments(request) -> dict:
    if CourseFilterSet.base_filters.keys().isdisjoint(request.query_params.keys()):
        return {}  # the common case: no filter sent, nothing to parse
    filters = CourseFilterSet(data=request.query_params, queryset=Course.objects.none())
    if not filters.is_valid():
        raise ValidationFailed("The course filters are invalid.", filters.error_details())
    return filters.search_arguments()


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
