"""The mail a facility's manager gets when the secretariat rejects the application (R1.1)."""

from __future__ import annotations

from datetime import date

import pytest

from renkei.facilities.actions import (
    ApplicationInput,
    PersonInput,
    apply_to_join,
    reject_application,
)


@pytest.mark.rule("R1.1")
def test_the_rejection_mail_gives_the_reason_as_written(
    region, smtp, django_capture_on_commit_callbacks
):
    manager = PersonInput("高橋 正", "たかはし ただし", "doctor", "takahashi@example.jp")
    facility = apply_to_join(
        data=ApplicationInput(
            kind="clinic",
            name="みなみ診療所 & 在宅",
            postal_code="351-0104",
            address="埼玉県和光市南2-1-1",
            tel="048-222-0001",
            fax="",
            pledge_date=date(2026, 4, 1),
            manager=manager,
            agreed_to_policy=True,
        )
    )
    reason = "誓約書の日付が空欄です。<再提出>をお願いします。"
    with django_capture_on_commit_callbacks(execute=True):
        reject_application(region.secretariat, facility_id=facility.pk, reason=reason)
    (message,) = smtp.to("takahashi@example.jp")
    assert message["Subject"].strip() == "[連携] 事業所の参加申込について"
    body = smtp.body(message)
    assert "みなみ診療所 & 在宅 管理者様" in body  # plain text: nothing HTML-escaped
    assert reason in body
    assert "あらためてお申し込みいただけます" in body
