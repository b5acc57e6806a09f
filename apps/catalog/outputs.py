"""How the catalogue's objects are rendered (docs/api.md, Catalog).

The output serializers of the catalog views, and of every other app that shows
a course (a cart line, an enrollment, an assistant tool's result): one shape
per object wherever it appears.

``render_course_page`` and ``render_course_detail`` are what the catalogue cache
holds: the same shapes, from serializers built once per process instead of
once per request (their fields do not depend on the request).
"""

from dataclasses import dataclass

from rest_framework import serializers

from apps.catalog.models import Category, Course, Lesson, Resource, Section
from deltalabs.renderers import JSONRenderer


class CategoryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class CourseBriefSerializer(serializers.ModelSerializer):
    """A course named inside another object (an enrollment, a cart line, a booking's lab)."""

    class Meta:
        model = Course
        fields = ["id", "slug", "title"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name", "description", "position"]
        read_only_fields = fields


class InstructorSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="user_id")
    display_name = serializers.CharField(source="user.display_name")


class CourseSerializer(serializers.ModelSerializer):
    category = CategoryBriefSerializer(allow_null=True)
    is_free = serializers.BooleanField(help_text="True when the price is 0.")
    capacity = serializers.IntegerField(allow_null=True, help_text="null means unlimited seats.")
    instructors = InstructorSerializer(source="course_instructors.all", many=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "description",
            "category",
            "level",
            "language",
            "price",
            "currency",
            "is_free",
            "capacity",
            "seats_taken",
            "status",
            "enrollment_opens_at",
            "enrollment_closes_at",
            "instructors",
            "published_at",
        ]
        read_only_fields = fields


class LessonSerializer(serializers.ModelSerializer):
    content = serializers.SerializerMethodField(
        help_text="Only for preview lessons, enrolled learners, instructors and staff; otherwise null."
    )

    class Meta:
        model = Lesson
        fields = ["id", "title", "kind", "duration_minutes", "is_preview", "position", "content"]
        read_only_fields = fields

    def get_content(self, lesson) -> str | None:
        return self.context["detail"].lesson_content(lesson)


class SectionSerializer(serializers.ModelSerializer):
    lessons = LessonSerializer(many=True, source="lessons.all")

    class Meta:
        model = Section
        fields = ["id", "title", "position", "lessons"]
        read_only_fields = fields


class CourseDetailSerializer(CourseSerializer):
    sections = SectionSerializer(many=True, source="sections.all")

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "sections"]
        read_only_fields = fields


class ResourceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The link, or the file's download URL.")

    class Meta:
        model = Resource
        fields = ["id", "title", "kind", "url", "position", "created_at"]
        read_only_fields = fields

    def get_url(self, resource) -> str:
        if resource.kind == Resource.Kind.FILE and resource.file:
            return resource.file.url
        return resource.url


_course_fields = CourseSerializer().fields


def _datetime(field, value):
    return None if value is None else field.to_representation(value)


def render_courses(page) -> list[dict]:
    """``CourseSerializer(many=True)``'s output for a page of plain rows
    (``services.CourseRows``): the same fields format each value, but no
    model object is built per course (the equivalence is tested)."""
    price, opens, closes, published = (
        _course_fields[name] for name in ("price", "enrollment_opens_at", "enrollment_closes_at", "published_at")
    )
    return [
        {
            "id": str(row["id"]),
            "slug": row["slug"],
            "title": row["title"],
            "summary": row["summary"],
            "description": row["description"],
            "category": None
            if row["category_id"] is None
            else {"id": str(row["category_id"]), "slug": row["category__slug"], "name": row["category__name"]},
            "level": row["level"],
            "language": row["language"],
            "price": price.to_representation(row["price"]),
            "currency": row["currency"],
            "is_free": row["price"] == 0,
            "capacity": row["capacity"],
            "seats_taken": row["seats_taken"],
            "status": row["status"],
            "enrollment_opens_at": _datetime(opens, row["enrollment_opens_at"]),
            "enrollment_closes_at": _datetime(closes, row["enrollment_closes_at"]),
            "instructors": [
                {"id": str(link["user_id"]), "display_name": link["user__display_name"]}
                for link in page.instructors[row["id"]]
            ],
            "published_at": _datetime(published, row["published_at"]),
        }
        for row in page.rows
    ]


# Where a course's seats go in a written-out page. Inside a JSON string every
# quote is escaped, so these bytes only ever occur as the field itself.
_SEATS_HOLE = b'"seats_taken":null'


@dataclass(frozen=True)
class RenderedCoursePage:
    """A course list page written out as the API's JSON once, with each
    course's ``seats_taken`` left open: what the list cache holds. A hit joins
    the fragments around fresh counts instead of decoding and re-encoding the
    page. ``seats`` are the counts it was rendered with."""

    fragments: tuple[bytes, ...]
    course_ids: tuple[str, ...]
    seats: tuple[int, ...]

    def with_seats(self, seats) -> bytes:
        parts = [self.fragments[0]]
        for taken, fragment in zip(seats, self.fragments[1:], strict=True):
            parts += (b'"seats_taken":%d' % taken, fragment)
        return b"".join(parts)


def render_course_page(page, next_cursor: str | None) -> RenderedCoursePage:
    """``{"results": render_courses(page), "next_cursor": ...}`` as the API's
    JSON renderer writes it, held open at every ``seats_taken``."""
    results = render_courses(page)
    seats = tuple(course["seats_taken"] for course in results)
    for course in results:
        course["seats_taken"] = None
    body = JSONRenderer().render({"results": results, "next_cursor": next_cursor})
    fragments = tuple(body.split(_SEATS_HOLE))
    if len(fragments) != len(results) + 1:
        raise AssertionError("Each course of a page has exactly one seats_taken.")
    return RenderedCoursePage(fragments=fragments, course_ids=tuple(course["id"] for course in results), seats=seats)


def render_course_detail(detail) -> dict:
    """``CourseDetailSerializer``'s output for a ``services.CourseDetail`` as a
    plain dict: what the course detail cache holds. Lesson content follows
    ``detail.lesson_content``."""
    return dict(CourseDetailSerializer(detail.course, context={"detail": detail}).data)
