"""The staff admin and the API docs, used in a real browser.

- Staff sign in to the admin and land on the cockpit.
- Swagger UI at /v1/docs works offline: expand GET /v1/courses, "Try it out",
  "Execute", and see the live response with a published course in it.
- Staff author a course in the admin (course + section + lesson), publish it
  with the changelist action, and find it with its outline at GET /v1/courses.
"""

from __future__ import annotations

import pytest

from tests.factories.catalog import CourseFactory
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


def test_try_it_out_in_the_api_docs(page, live_server, screenshot):
    # given a published course and the Swagger UI, served without any CDN
    CourseFactory(title="Course shown in the docs")
    path = "/v1/courses"
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
    assert status.inner_text().strip().startswith("200")
    body = operation.locator(".live-responses-table .response .response-col_description pre").first
    assert "Course shown in the docs" in body.inner_text()
    screenshot("executed")
    assert external == [], f"the docs fetched from outside the server: {external}"


def _open_collapsed_fieldsets(page, group: str) -> None:
    """Collapsible inline fieldsets are <details> elements (Django 5.1+): open them."""
    page.eval_on_selector_all(f"{group} details", "elements => elements.forEach(d => { d.open = true; })")


def test_staff_author_and_publish_a_course(page, live_server, screenshot):
    """Course add form with the section inline, then a lesson in that section
    (the lesson inline offers only sections already saved), then the
    changelist's publish action; the course appears in the public list with
    its outline."""
    staff = StaffFactory()
    title = "Browser-authored robotics"
    _sign_in_to_admin(page, live_server, staff)

    # given a new course with one section (the inlines start empty: "Add another")
    page.goto(f"{live_server.url}/admin/catalog/course/add/")
    page.fill("#id_title", title)
    page.fill("#id_summary", "Written in a real browser.")
    # The slug is prepopulated from the title by the admin's script; set it only if it was not.
    if page.input_value("#id_slug") != "browser-authored-robotics":
        page.fill("#id_slug", "browser-authored-robotics")
    sections = page.locator("#sections-group")
    sections.locator(".add-row a").click()
    sections.locator("input[name='sections-0-title']").fill("Getting started")
    page.click("input[name='_continue']")
    page.wait_for_selector(".messagelist .success")
    assert "/change/" in page.url, "the course was not created"
    screenshot("course-saved")

    # and a lesson in that section (lesson inline on the course page)
    lessons = page.locator("#lessons-group")
    _open_collapsed_fieldsets(page, "#lessons-group")
    lessons.locator(".add-row a").click()
    _open_collapsed_fieldsets(page, "#lessons-group")
    lessons.locator("select[name='lessons-0-section']").select_option(label="Getting started")
    lessons.locator("input[name='lessons-0-title']").fill("Welcome")
    lessons.locator("select[name='lessons-0-kind']").select_option("reading")
    page.click("input[name='_continue']")
    page.wait_for_selector(".messagelist .success")
    assert page.locator(".errornote").count() == 0, page.locator(".errornote").inner_text()
    screenshot("lesson-saved")

    # and, still a draft, it is not in the public list
    assert title not in _public_titles(page, live_server)

    # when staff publish it from the changelist
    page.goto(f"{live_server.url}/admin/catalog/course/?q=Browser-authored")
    page.locator("#result_list input.action-select").first.check()
    page.locator("select[name='action']").select_option("publish_courses")
    page.click("button[name='index']")
    page.wait_for_selector(".messagelist .success")
    assert "Published 1 course(s)." in page.locator(".messagelist").inner_text()
    screenshot("published")

    # then the public course list shows it, and its outline has the section and the lesson
    assert title in _public_titles(page, live_server)
    course_id = next(
        course["id"]
        for course in page.request.get(f"{live_server.url}/v1/courses?q=robotics").json()["results"]
        if course["title"] == title
    )
    detail = page.request.get(f"{live_server.url}/v1/courses/{course_id}").json()
    assert (detail["status"], detail["slug"]) == ("published", "browser-authored-robotics")
    assert [(s["title"], [lesson["title"] for lesson in s["lessons"]]) for s in detail["sections"]] == [
        ("Getting started", ["Welcome"])
    ]


def _public_titles(page, live_server) -> list[str]:
    # An anonymous request (the page's cookies are the admin session; the API ignores them).
    response = page.request.get(f"{live_server.url}/v1/courses?q=robotics")
    assert response.status == 200
    return [course["title"] for course in response.json()["results"]]
