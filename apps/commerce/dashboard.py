"""Commerce figures for the staff dashboard (registered from CommerceConfig.ready)."""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.commerce import repositories
from deltalabs import dashboard

# The catalogue sells in one currency; revenue figures are in it.
REVENUE_CURRENCY = "USD"


def revenue_last_7_days(now: datetime) -> str:
    # The currency is in the label; the figure stays short enough for one line.
    [total] = repositories.revenue_per_period([now - timedelta(days=7)], now, currency=REVENUE_CURRENCY)
    return f"{total:,.2f}"


def revenue_per_week(now: datetime) -> list[tuple[str, float]]:
    starts = dashboard.week_starts(now)
    totals = repositories.revenue_per_period(starts, now, currency=REVENUE_CURRENCY)
    return [(start.strftime("%d %b"), float(total)) for start, total in zip(starts, totals, strict=True)]


def pending_sponsorships(now: datetime) -> int:
    return repositories.sponsorships_pending_count()


def pending_sponsors(now: datetime) -> int:
    return repositories.sponsors_pending_count()


def register() -> None:
    dashboard.register_number(
        "revenue_week", f"Revenue, last 7 days ({REVENUE_CURRENCY})", revenue_last_7_days, order=30
    )
    dashboard.register_number("pending_sponsorships", "Sponsorships awaiting approval", pending_sponsorships, order=40)
    dashboard.register_number("pending_sponsors", "Sponsor applications to review", pending_sponsors, order=41)
    dashboard.register_chart("revenue_per_week", "Revenue per week (USD)", revenue_per_week, order=20)
