"""Japanese era dates as the forms print them (令和 from 2019-05-01, its first year 元年)."""

from __future__ import annotations

from datetime import date

import pytest

from renkei.documents.eras import era_date, era_year


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 12, 31), "令和元年12月31日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(2026, 4, 1), "令和8年4月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1938, 5, 12), "昭和13年5月12日"),
    ],
)
def test_dates_in_the_era(day, expected):
    assert era_date(day) == expected


def test_the_era_year():
    assert era_year(date(2026, 11, 24)) == ("令和", 8)
    assert era_year(date(2019, 5, 1)) == ("令和", 1)


def test_a_date_before_the_known_eras_is_refused():
    with pytest.raises(ValueError, match="before the eras"):
        era_year(date(1900, 1, 1))
