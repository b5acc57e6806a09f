"""The staff cockpit fits a laptop screen (1366 x 768), in a real browser.

On the small demo data, a superuser opens the dashboard and, for every model
the admin registers, its changelist, its add form and the change form of an
object it lists (every inline and collapsed fieldset opened), then the
object's history page. On each page:

- nothing scrolls sideways: neither the page
  (``document.documentElement.scrollWidth <= window.innerWidth``) nor any
  element inside it (Django wraps lists and inlines in scrollable boxes, which
  would hide an overflow from the page's own width);
- on a changelist, the first column of the first row (the link staff click)
  reads as a name, a number or a date, never as a UUID.

One browser session walks every page, so the test costs one seed and about a
second per page.
"""

from __future__ import annotations

import io
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from apps.catalog.models import Course
from apps.catalog.services import course_publish
from apps.commerce.models import Order
from apps.commerce.services.orders import order_refund
from tests.browser.conftest import ARTIFACTS
from tests.factories.identity import TEST_PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
UUID_LIKE = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.IGNORECASE)

# Elements that scroll sideways (their content is wider than they are).
SIDEWAYS_SCROLLERS = """() => {
  const wide = [];
  if (document.documentElement.scrollWidth > window.innerWidth) {
    wide.push(`page ${document.documentElement.scrollWidth}px > ${window.innerWidth}px`);
  }
  for (const element of document.querySelectorAll('body *')) {
    const overflow = getComputedStyle(element).overflowX;
    if ((overflow === 'auto' || overflow === 'scroll') && element.scrollWidth > element.clientWidth + 1) {
      const name = element.id ? `#${element.id}` : `${element.tagName.toLowerCase()}.${element.className}`;
      wide.push(`${name} ${element.scrollWidth}px in ${element.clientWidth}px`);
    }
  }
  return wide;
}"""

FIRST_CELL = "#result_list tbody tr:first-child > :is(th, td):not(.action-checkbox)"


def _pages(staff) -> list[tuple[str, str]]:
    request = RequestFactory().get("/admin/")
    request.user = staff
    pages = [("dashboard", reverse("admin:index"))]
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        pages.append(("changelist", reverse(f"admin:{info}_changelist")))
        if model_admin.has_add_permission(request):
            pages.append(("add", reverse(f"admin:{info}_add")))
        obj = model_admin.get_queryset(request).order_by("pk").first()
        if obj is not None:
            pages.append(("change", reverse(f"admin:{info}_change", args=[obj.pk])))
            pages.append(("history", reverse(f"admin:{info}_history", args=[obj.pk])))
    return pages


def _sign_in(page, live_server, staff) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", staff.email)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def _audited_changes(staff) -> None:
    """A publish and a refund, so the Activity list and history pages have rows."""
    course_publish(actor=staff, course_id=Course.objects.filter(status=Course.Status.DRAFT).first().pk)
    order_refund(actor=staff, order_id=Order.objects.filter(status=Order.Status.PAID).first().pk, reason="Twice")


def test_every_admin_page_fits_a_laptop_screen(chromium, live_server):
    # given the demo data, some audited changes, and a superuser at 1366 x 768
    call_command("seed", size="small", no_progress=True, stdout=io.StringIO())
    staff = StaffFactory()
    _audited_changes(staff)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport=LAPTOP)
    context.set_default_timeout(30_000)
    page = context.new_page()
    _sign_in(page, live_server, staff)
    problems: list[str] = []
    lists_checked = 0
    # when they open every list, add form, change form and history page
    for kind, path in _pages(staff):
        response = page.goto(f"{live_server.url}{path}")
        if response is None or response.status != 200:
            problems.append(f"{path}: HTTP {response.status if response else '?'}")
            continue
        page.eval_on_selector_all("details", "all => all.forEach(d => { d.open = true; })")
        # then nothing scrolls sideways
        for wide in page.evaluate(SIDEWAYS_SCROLLERS):
            problems.append(f"{kind} {path}: {wide}")
        # and a list's first column is readable
        if kind == "changelist" and page.locator(FIRST_CELL).count():
            lists_checked += 1
            first = page.locator(FIRST_CELL).first.inner_text().strip()
            if not first or UUID_LIKE.search(first):
                problems.append(f"{path}: first column reads {first!r}")
        if problems and problems[-1].startswith(f"{kind} {path}"):
            shot = ARTIFACTS / f"fits--{kind}-{path.strip('/').replace('/', '-')}.png"
            page.screenshot(path=str(shot), full_page=True)
    context.close()
    assert lists_checked >= 15, f"only {lists_checked} lists had rows to check"
    assert not problems, "\n".join(problems)
