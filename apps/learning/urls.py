from django.urls import path, register_converter

from apps.learning import views
from apps.learning.converters import CourseRefConverter

register_converter(CourseRefConverter, "course_ref")

urlpatterns = [
    # A course as this caller may read it (lesson content, resources): learning knows who is enrolled.
    path("courses/<course_ref:course_id>", views.CourseDetailView.as_view(), name="course-detail"),
    path("courses/<uuid:course_id>/resources", views.CourseResourcesView.as_view(), name="course-resources"),
    path("enrollments", views.EnrollmentListView.as_view(), name="enrollment-list"),
    path("enrollments/<uuid:enrollment_id>", views.EnrollmentDetailView.as_view(), name="enrollment-detail"),
    path("enrollments/<uuid:enrollment_id>/cancel", views.EnrollmentCancelView.as_view(), name="enrollment-cancel"),
    path(
        "enrollments/<uuid:enrollment_id>/progress", views.EnrollmentProgressView.as_view(), name="enrollment-progress"
    ),
]
