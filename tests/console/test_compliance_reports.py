"""Compliance at a glance: open problem reports (R2.10) are counted until they are closed."""

from __future__ import annotations

import pytest

from renkei.reports import actions
from tests.console.test_compliance import _cases, _shown


@pytest.mark.rule("R2.10")
def test_open_reports(region, client_for):
    client = client_for(region.secretariat)
    report = actions.raise_report(
        region.clinic_admin,
        title="ログインできない職員がいます",
        body="詳細は電話で連絡します。",
        category="account",
        facility_id=region.clinic.pk,
    )
    closed = actions.raise_report(
        region.pharmacist,
        title="端末の入れ替え",
        body="完了しました。",
        category="device",
        facility_id=region.pharmacy.pk,
    )
    actions.change_report_status(region.secretariat, report_id=closed.pk, status="closed")
    assert _shown(client, "open_reports")[0] == 1
    assert [c[:2] for c in _cases(client, "open_reports")] == [
        ("ログインできない職員がいます", region.clinic.name)
    ]
    html = client.get("/console/compliance/open_reports/").content.decode()
    assert f'href="/reports/{report.public_id}/"' in html
    # In progress is still open; closing it puts it right.
    actions.change_report_status(region.secretariat, report_id=report.pk, status="in_progress")
    assert _shown(client, "open_reports")[0] == 1
    actions.change_report_status(region.secretariat, report_id=report.pk, status="closed")
    assert _shown(client, "open_reports")[0] == 0
    assert _cases(client, "open_reports") == []
