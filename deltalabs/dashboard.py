"""The staff dashboard's building blocks: a registry of key numbers and charts.

The core knows no domain. Each domain app registers its figures from its
``AppConfig.ready()`` (``register_number``, ``register_chart``), computed by
functions in that app's repositories. The admin site renders whatever is
registered; the whole dashboard is cached for ``DASHBOARD_CACHE_SECONDS`` so a
busy staff team costs the database one computation per interval.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger("deltalabs.dashboard")

CACHE_KEY = "cache:dashboard:v1:all"


@dataclass(frozen=True)
class Number:
    key: str
    label: str
    compute: Callable[[datetime], object]
    order: int = 100


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    # Returns [(label, value), ...] in display order.
    compute: Callable[[datetime], list[tuple[str, float]]]
    kind: str = "bars"  # "bars" (vertical, time series) or "rows" (horizontal, ranking)
    unit: str = ""
    order: int = 100


_numbers: dict[str, Number] = {}
_charts: dict[str, Chart] = {}


def register_number(key: str, label: str, compute: Callable[[datetime], object], *, order: int = 100) -> None:
    _numbers[key] = Number(key, label, compute, order)


def register_chart(
    key: str,
    title: str,
    compute: Callable[[datetime], list[tuple[str, float]]],
    *,
    kind: str = "bars",
    unit: str = "",
    order: int = 100,
) -> None:
    _charts[key] = Chart(key, title, compute, kind, unit, order)


def week_starts(now: datetime, weeks: int = 12) -> list[datetime]:
    """Monday 00:00 UTC of the last ``weeks`` weeks, oldest first, this week last."""
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _safe(label: str, compute: Callable, now: datetime, default):
    try:
        return compute(now)
    except Exception:  # one broken figure must not take the cockpit down
        logger.exception("Dashboard figure %s failed", label)
        return default


def compute_dashboard(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    numbers = [
        {"key": n.key, "label": n.label, "value": _safe(n.key, n.compute, now, "n/a")}
        for n in sorted(_numbers.values(), key=lambda n: (n.order, n.key))
    ]
    charts = [
        {"key": c.key, "title": c.title, "kind": c.kind, "unit": c.unit, "series": _safe(c.key, c.compute, now, [])}
        for c in sorted(_charts.values(), key=lambda c: (c.order, c.key))
    ]
    return {"numbers": numbers, "charts": charts, "computed_at": now}


def dashboard_data() -> dict:
    data = cache.get(CACHE_KEY)
    if data is None:
        data = compute_dashboard()
        cache.set(CACHE_KEY, data, timeout=settings.DASHBOARD_CACHE_SECONDS)
    return data
