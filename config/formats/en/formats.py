"""Compact, unambiguous dates for staff (the admin): ``2026-11-26 09:30`` instead
of English prose (``Nov. 26, 2026, 9:30 a.m.``), so date columns stay narrow on
a laptop screen and sort the way they read. Times are UTC (``TIME_ZONE``).
Input formats are Django's own for English (ISO first)."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
