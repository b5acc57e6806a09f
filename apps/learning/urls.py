from django.urls import path

from apps.learning import views

urlpatterns = [
    path("enrollments", views.EnrollmentListView.as_view(), name="enrollment-list"),
    path("enrollments/<uuid:enrollment_id>", views.EnrollmentDetailView.as_view(), name="enrollment-detail"),
    path("enrollments/<uuid:enrollment_id>/cancel", views.EnrollmentCancelView.as_view(), name="enrollment-cancel"),
    path(
        "enrollments/<uuid:enrollment_id>/progress", views.EnrollmentProgressView.as_view(), name="enrollment-progress"
    ),
]
