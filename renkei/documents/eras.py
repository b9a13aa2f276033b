"""Japanese era dates (和暦) as the forms print them: 令和 from 2019-05-01, 平成 before it.

The first year of an era is written 元年, as on official forms.
"""

from __future__ import annotations

from datetime import date

# (era name, first day), newest first.
ERAS: tuple[tuple[str, date], ...] = (
    ("令和", date(2019, 5, 1)),
    ("平成", date(1989, 1, 8)),
    ("昭和", date(1926, 12, 25)),
)


def era_year(day: date) -> tuple[str, int]:
    """The era and the year within it of ``day``: 2019-05-01 → ("令和", 1)."""
    for name, start in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day.isoformat()} is before the eras this converter knows")


def era_date(day: date) -> str:
    """``day`` written in the Japanese era: 2026-04-01 → 令和8年4月1日,
    2019-05-01 → 令和元年5月1日."""
    name, year = era_year(day)
    year_text = "元" if year == 1 else str(year)
    return f"{name}{year_text}年{day.month}月{day.day}日"
