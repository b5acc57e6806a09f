from django.urls import path

from apps.engagement import views

urlpatterns = [
    path("courses/<uuid:course_id>/questions", views.QuestionListView.as_view(), name="course-questions"),
    path(
        "courses/<uuid:course_id>/questions/<uuid:question_id>",
        views.QuestionDetailView.as_view(),
        name="course-question-detail",
    ),
    path(
        "courses/<uuid:course_id>/questions/<uuid:question_id>/accept",
        views.QuestionAcceptView.as_view(),
        name="course-question-accept",
    ),
    path(
        "courses/<uuid:course_id>/questions/<uuid:question_id>/hide",
        views.QuestionHideView.as_view(),
        name="course-question-hide",
    ),
    path("courses/<uuid:course_id>/answers", views.AnswerListView.as_view(), name="course-answers"),
    path(
        "courses/<uuid:course_id>/answers/<uuid:answer_id>",
        views.AnswerDetailView.as_view(),
        name="course-answer-detail",
    ),
    path(
        "courses/<uuid:course_id>/answers/<uuid:answer_id>/hide",
        views.AnswerHideView.as_view(),
        name="course-answer-hide",
    ),
]
