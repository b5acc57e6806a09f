from django.urls import path

from apps.catalog import views

urlpatterns = [
    path("courses", views.CourseListView.as_view(), name="course-list"),
    path("categories", views.CategoryListView.as_view(), name="category-list"),
]
