from django.urls import path

from apps.assessment import views

urlpatterns = [
    path("courses/<uuid:course_id>/assessments", views.CourseAssessmentListView.as_view(), name="course-assessments"),
    path("courses/<uuid:course_id>/grades", views.CourseGradesView.as_view(), name="course-grades"),
    path("assessments/<uuid:assessment_id>", views.AssessmentDetailView.as_view(), name="assessment-detail"),
    path(
        "assessments/<uuid:assessment_id>/submissions",
        views.AssessmentSubmissionListView.as_view(),
        name="assessment-submissions",
    ),
    path("submissions", views.SubmissionListView.as_view(), name="submissions"),
    path("submissions/<uuid:submission_id>", views.SubmissionDetailView.as_view(), name="submission-detail"),
]
