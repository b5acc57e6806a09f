"""The staff dashboard on the admin index (docs/architecture.md, The staff admin)."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from deltalabs import charts, dashboard
from tests.factories.identity import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD_QUERY_BUDGET = 40


@pytest.fixture
def staff_browser():
    client = Client()
    client.force_login(StaffFactory())
    return client


def test_dashboard_renders_numbers_and_charts_for_staff(staff_browser, django_assert_max_num_queries):
    UserFactory.create_batch(3)
    with django_assert_max_num_queries(DASHBOARD_QUERY_BUDGET):
        response = staff_browser.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="dashboard"' in html
    assert 'data-key="new_users_week"' in html


def test_dashboard_is_cached(staff_browser, django_assert_max_num_queries):
    staff_browser.get("/admin/")
    assert cache.get(dashboard.CACHE_KEY) is not None


def test_dashboard_is_not_for_learners():
    client = Client()
    client.force_login(UserFactory())
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_anonymous_is_sent_to_login():
    response = Client().get("/admin/")
    assert response.status_code == 302


def test_a_broken_figure_does_not_break_the_page(staff_browser, monkeypatch):
    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setitem(dashboard._numbers, "broken", dashboard.Number("broken", "Broken", broken))
    response = staff_browser.get("/admin/")
    assert response.status_code == 200 and "n/a" in response.content.decode()


def _bar_lengths(svg: str) -> list[float]:
    return [float(width) for width in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', svg)]


def test_percentages_are_drawn_on_a_0_to_100_scale():
    # 4.3 % is a short bar even when it is the largest value; 100 % is the full length.
    small = _bar_lengths(charts.rows([("Robotics Lab", 4.3), ("Chemistry Lab", 2.1)], unit="%"))
    full = _bar_lengths(charts.rows([("Robotics Lab", 100)], unit="%"))
    assert full[0] > 0 and small[0] == pytest.approx(full[0] * 0.043, abs=0.2)
    assert small[1] == pytest.approx(full[0] * 0.021, abs=0.2)
    # other units keep scaling to the largest value
    counts = _bar_lengths(charts.rows([("A", 4), ("B", 2)]))
    assert counts[0] == pytest.approx(full[0]) and counts[1] == pytest.approx(full[0] / 2)


def test_headline_numbers_are_short_and_say_the_currency_once():
    from apps.commerce import dashboard as commerce_dashboard

    now = timezone.now()
    revenue = commerce_dashboard.revenue_last_7_days(now)
    assert "USD" not in revenue and revenue.replace(",", "").replace(".", "").isdigit()
    assert isinstance(commerce_dashboard.pending_sponsorships(now), int)
    assert isinstance(commerce_dashboard.pending_sponsors(now), int)
    labels = {number.key: number.label for number in dashboard._numbers.values()}
    assert "(USD)" in labels["revenue_week"]


def test_svg_charts_escape_labels():
    svg = charts.bars([("<script>", 3), ("ok", 1)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert charts.rows([]) == '<p class="dash-empty">No data yet.</p>'


EXPECTED_NUMBERS = {
    "active_learners",
    "enrollments",
    "revenue_week",
    "pending_sponsorships",
    "pending_sponsors",
    "ungraded_submissions",
    "bookings_tomorrow",
    "new_users_week",
}
EXPECTED_CHARTS = {"enrollments_per_week", "revenue_per_week", "lab_utilisation", "top_courses"}


def test_seeded_dashboard_shows_every_figure_within_budget(staff_browser, django_assert_max_num_queries):
    from django.core.management import call_command

    # given the small demo data
    call_command("seed", size="small", no_progress=True, stdout=__import__("io").StringIO())
    cache.clear()
    # when staff open the admin index
    with django_assert_max_num_queries(DASHBOARD_QUERY_BUDGET):
        response = staff_browser.get("/admin/")
    # then every number and chart is there, computed (no figure failed)
    html = response.content.decode()
    for key in EXPECTED_NUMBERS | EXPECTED_CHARTS:
        assert f'data-key="{key}"' in html, key
    data = dashboard.compute_dashboard()
    values = {number["key"]: number["value"] for number in data["numbers"]}
    assert "n/a" not in values.values()
    assert values["active_learners"] > 0 and values["enrollments"] > 0
    series = {chart["key"]: chart["series"] for chart in data["charts"]}
    assert len(series["enrollments_per_week"]) == 12 and sum(v for _, v in series["enrollments_per_week"]) > 0
    assert series["top_courses"] and series["lab_utilisation"]
