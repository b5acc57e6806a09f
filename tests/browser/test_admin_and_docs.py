"""The staff admin and the API docs, used in a real browser.

- Staff sign in to the admin and land on the cockpit.
- Swagger UI at /v1/docs works offline: expand an operation, "Try it out",
  "Execute", and see the live response (the course list when it exists,
  otherwise /v1/users/me answering 401 to an anonymous caller).
- Staff author a course in the admin (course + section + lesson), publish it,
  and find it at GET /v1/courses. Runs once the catalog admin is registered.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from drf_spectacular.generators import SchemaGenerator

from tests.factories.identity import TEST_PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in_to_admin(page, live_server, staff) -> None:
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", staff.email)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def test_staff_sign_in_to_the_cockpit(page, live_server, screenshot):
    # given a staff member at the admin's door
    staff = StaffFactory()
    # when they sign in
    _sign_in_to_admin(page, live_server, staff)
    # then they see the cockpit with the apps they manage
    assert page.locator("#site-name").inner_text() == "Delta Labs staff"
    assert page.locator("h1").first.inner_text() == "Cockpit"
    assert page.locator("#content-main a", has_text="Users").count() >= 1
    screenshot("cockpit")


def _docs_target() -> tuple[str, int]:
    """The public course list once it is documented; until then an operation
    that answers an anonymous caller 401."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    if "get" in paths.get("/v1/courses", {}):
        return "/v1/courses", 200
    return "/v1/users/me", 401


def test_try_it_out_in_the_api_docs(page, live_server, screenshot):
    path, expected_status = _docs_target()
    # given the Swagger UI, served without any CDN
    external = []
    page.on("request", lambda req: None if req.url.startswith(live_server.url) else external.append(req.url))
    page.goto(f"{live_server.url}/v1/docs")
    operation = page.locator(f".opblock-get:has(.opblock-summary-path[data-path='{path}'])")
    operation.wait_for()
    screenshot("docs")
    # when a reader expands the operation, presses "Try it out" and "Execute"
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    # then the live response is shown
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith(str(expected_status))
    screenshot("executed")
    assert external == [], f"the docs fetched from outside the server: {external}"


@pytest.fixture
def course_admin():
    from apps.catalog.models import Course

    if Course not in admin.site._registry:
        pytest.skip("the catalog's course admin is not registered yet (apps/catalog/admin.py)")


def test_staff_author_and_publish_a_course(course_admin, page, live_server, screenshot):
    """Course add form with the section inline, then a lesson in that section,
    then the changelist's publish action; the course appears in the public list."""
    staff = StaffFactory()
    title = "Browser-authored robotics"
    _sign_in_to_admin(page, live_server, staff)

    # given a new course with one section
    page.goto(f"{live_server.url}/admin/catalog/course/add/")
    page.fill("#id_title", title)
    page.fill("#id_slug", "browser-authored-robotics")
    if page.locator("#id_summary").count():
        page.fill("#id_summary", "Written in a real browser.")
    page.locator("#sections-group input[name='sections-0-title']").fill("Getting started")
    page.click("input[name='_continue']")
    page.wait_for_selector(".messagelist .success")
    screenshot("course-saved")

    # and a lesson in that section (lesson inline on the course page)
    lessons = page.locator("#lessons-group")
    lessons.locator("select[name='lessons-0-section']").select_option(label="Getting started")
    lessons.locator("input[name='lessons-0-title']").fill("Welcome")
    kind = lessons.locator("select[name='lessons-0-kind']")
    if kind.count():
        kind.select_option("reading")
    page.click("input[name='_continue']")
    page.wait_for_selector(".messagelist .success")
    screenshot("lesson-saved")

    # when staff publish it from the changelist
    page.goto(f"{live_server.url}/admin/catalog/course/?q=Browser-authored")
    page.locator("#result_list input.action-select").first.check()
    action = page.locator("select[name='action']")
    publish = next(
        value for value in action.locator("option").evaluate_all("os => os.map(o => o.value)") if "publish" in value
    )
    action.select_option(publish)
    page.click("button[name='index']")
    page.wait_for_selector(".messagelist li")
    screenshot("published")

    # then the public course list shows it
    response = page.request.get(f"{live_server.url}/v1/courses?q=robotics")
    assert response.status == 200
    assert title in [course["title"] for course in response.json()["results"]]
