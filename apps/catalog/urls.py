from django.urls import path

from apps.catalog import views

urlpatterns = [
    path("courses", views.CourseListView.as_view(), name="course-list"),
    path("courses/<uuid:course_id>", views.CourseDetailView.as_view(), name="course-detail"),
    path("courses/<uuid:course_id>/resources", views.CourseResourcesView.as_view(), name="course-resources"),
    path("categories", views.CategoryListView.as_view(), name="category-list"),
]
