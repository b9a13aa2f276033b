"""Fixtures of the console tests: pending applications sent through the real action."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

import pytest

from renkei.facilities.actions import ApplicationInput, PersonInput, apply_to_join
from renkei.facilities.models import Facility

# Given names of the listed users: furigana is hiragana only, so no numbers.
KANA = ("あい", "いろは", "うめ", "えみ", "おと", "かな", "きく", "くみ", "けい", "こう")


def application_input(name: str, *, users: int = 2, prefix: str = "") -> ApplicationInput:
    """Form 3 of a small facility: its manager and ``users`` more people."""
    prefix = prefix or hashlib.sha256(name.encode()).hexdigest()[:8]
    return ApplicationInput(
        kind="home_help",
        name=name,
        postal_code="351-0104",
        address="埼玉県和光市南2-3-4",
        tel="048-222-0001",
        fax="048-222-0002",
        pledge_date=date(2026, 4, 1),
        manager=PersonInput(
            "高橋 誠", "たかはし まこと", "care_worker", f"{prefix}.mgr@example.jp"
        ),
        users=[
            PersonInput(
                f"利用者 {kana}", f"りようしゃ {kana}", "helper", f"{prefix}.user{i}@example.jp"
            )
            for i, kana in enumerate(KANA[:users], start=1)
        ],
        agreed_to_policy=True,
    )


@pytest.fixture
def apply(db: None) -> Callable[..., Facility]:
    """``apply(name, users=2)``: a facility's application waiting for the secretariat."""

    def make(name: str, *, users: int = 2) -> Facility:
        return apply_to_join(data=application_input(name, users=users))

    return make
