"""Query-string parsing for the course list (django-filter, used as a form only).

The FilterSet turns strings into typed values and rejects bad ones (400); the
query itself is built by ``repositories.course_queryset`` through
``services.course_search``, never by ``FilterSet.qs``.
"""

from __future__ import annotations

import django_filters

from apps.catalog.models import Course
from apps.catalog.services import ORDERINGS, SEARCH_MAX_LENGTH

_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class CourseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(max_length=SEARCH_MAX_LENGTH, help_text="Search in title and summary.")
    category = django_filters.CharFilter(max_length=80, help_text="Category id or slug.")
    level = django_filters.ChoiceFilter(choices=Course.Level.choices)
    is_free = django_filters.ChoiceFilter(choices=[(value, value) for value in _BOOLEANS])
    instructor = django_filters.UUIDFilter(help_text="Instructor user id.")
    ordering = django_filters.ChoiceFilter(choices=[(value, value) for value in ORDERINGS])

    class Meta:
        model = Course
        fields: list[str] = []

    # Filters whose documented values (an enum, a UUID) exclude "". django-filter
    # treats an empty value as "not sent", like an HTML form; this API answers
    # ``?level=`` with 400, as it does any other invalid value.
    NOT_BLANK = ("level", "is_free", "instructor", "ordering")

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.NOT_BLANK:
            if self.data.get(name) == "":
                self.form.add_error(name, "This field may not be blank.")
                valid = False
        return valid

    def error_details(self) -> dict[str, list[str]]:
        return {field: [str(message) for message in messages] for field, messages in self.errors.items()}

    def search_arguments(self) -> dict:
        """The validated filters as ``course_search`` keyword arguments (call after is_valid())."""
        data = self.form.cleaned_data
        return {
            "q": data.get("q") or None,
            "category": data.get("category") or None,
            "level": data.get("level") or None,
            "is_free": _BOOLEANS[data["is_free"]] if data.get("is_free") else None,
            "instructor": data.get("instructor"),
            "ordering": data.get("ordering") or "-published_at",
        }
