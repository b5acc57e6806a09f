"""``make screenshots``: the staff cockpit at 1366 x 768, as staff see it.

1. Migrates and seeds (``seed --size small``) a fresh SQLite database
   (``var/screenshots.sqlite3``) under the local settings, then makes a few
   staff changes through the services (a publish, a refund, an approval), so
   the audit trail and "Recent actions" have something to show.
2. Serves it with ``runserver`` on 127.0.0.1 (``SCREENSHOT_PORT``, 8061).
3. Signs in as the demo superuser in Debian's Chromium (Playwright, never a
   downloaded browser) at 1366 x 768 and saves one PNG per page of ``PAGES``
   in this folder (what the README links).

``--all`` also walks every changelist, add form and change form of the admin
into ``test-artifacts/screenshots/`` (not committed), to look at every page.

Knobs (environment): SCREENSHOT_PORT (8061), CHROMIUM_PATH (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
ALL_OUT = ROOT / "test-artifacts" / "screenshots"
DATABASE = ROOT / "var" / "screenshots.sqlite3"
PORT = int(os.environ.get("SCREENSHOT_PORT", "8061"))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1366, "height": 768}
ADMIN_EMAIL = "admin@deltalabs.example"
DEMO_PASSWORD = "delta-demo-2026"

# (file name, path, whole page?) The dashboard is taller than one screen: the
# whole page is shown; lists are shot as a laptop screen shows them.
PAGES = [
    ("dashboard", "/admin/", True),
    ("courses", "/admin/catalog/course/", False),
    ("enrollments", "/admin/learning/enrollment/", False),
    ("orders", "/admin/commerce/order/", False),
    ("labs", "/admin/labs/lab/", False),
    ("bookings", "/admin/labs/booking/", False),
    ("grading-queue", "/admin/assessment/submissiontograde/", False),
    ("activity", "/admin/deltalabs/auditentry/", False),
]

# Staff changes made before the shots, through the services (the audit trail's sources).
STAFF_CHANGES = """
from apps.catalog.models import Course
from apps.catalog.services import course_publish
from apps.commerce.models import Order, Sponsorship
from apps.commerce.services.orders import order_refund
from apps.commerce.services.sponsors import sponsorship_approve
from apps.identity.models import User
admin = User.objects.get(email="{admin}")
for course in Course.objects.filter(status="draft")[:1]:
    course_publish(actor=admin, course_id=course.pk)
for order in Order.objects.filter(status="paid").order_by("created_at")[:1]:
    order_refund(actor=admin, order_id=order.pk, reason="Bought twice")
for sponsorship in Sponsorship.objects.filter(status="pending", sponsor__status="approved")[:1]:
    sponsorship_approve(actor=admin, sponsorship_id=sponsorship.pk)
"""


def _env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{DATABASE}",
        "REDIS_URL": "",
        # Quiet: the seed's emails go nowhere, only warnings are logged.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(), check=True)  # noqa: S603 (fixed argv)


def prepare_database() -> None:
    DATABASE.parent.mkdir(exist_ok=True)
    DATABASE.unlink(missing_ok=True)
    _manage("migrate", "--noinput", "-v", "0")
    _manage("seed", "--size", "small", "--no-progress")
    _manage("shell", "-c", STAFF_CHANGES.format(admin=ADMIN_EMAIL))


def start_server() -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 (fixed argv)
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{PORT}"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(120):
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the server on port {PORT} did not come up")


def admin_pages(page, base: str) -> list[tuple[str, str]]:
    """Every changelist, and for each its add form and first change form (from the index's links)."""
    page.goto(f"{base}/admin/")
    changelists = page.eval_on_selector_all(
        "#content-main .app-list a[href$='/'], #content-main table a[href^='/admin/'][href$='/']",
        "links => [...new Set(links.map(a => a.getAttribute('href')))].filter(h => h.split('/').length === 5)",
    )
    pages = []
    for changelist in changelists:
        name = changelist.strip("/").replace("admin/", "").replace("/", "-")
        pages.append((f"{name}--list", changelist))
        page.goto(f"{base}{changelist}")
        first = page.locator("#result_list tbody tr a[href*='/change/']").first
        if first.count():
            pages.append((f"{name}--change", first.get_attribute("href")))
        if page.locator(".object-tools a.addlink").count():
            pages.append((f"{name}--add", page.locator(".object-tools a.addlink").first.get_attribute("href")))
    return pages


def shoot(all_pages: bool) -> None:
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{PORT}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", ADMIN_EMAIL)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#site-name")
        for name, path, whole in PAGES:
            page.goto(f"{base}{path}")
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=whole)
            print(f"  docs/screenshots/{name}.png")
        if all_pages:
            ALL_OUT.mkdir(parents=True, exist_ok=True)
            for name, path in admin_pages(page, base):
                page.goto(f"{base}{path}")
                wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
                page.screenshot(path=str(ALL_OUT / f"{name}.png"), full_page=True)
                print(f"  {ALL_OUT.relative_to(ROOT)}/{name}.png{'  SCROLLS SIDEWAYS' if wide else ''}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also walk every admin page into test-artifacts/")
    parser.add_argument("--reuse", action="store_true", help="keep var/screenshots.sqlite3 from the last run")
    args = parser.parse_args()
    if not (args.reuse and DATABASE.exists()):
        prepare_database()
    server = start_server()
    try:
        shoot(args.all)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
