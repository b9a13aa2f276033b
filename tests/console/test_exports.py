"""CSV exports of the secretariat: the form-3 lists per facility and region-wide and the audit
events of a period, as UTF-8 with a BOM, written in the background with progress; audited;
nobody else starts or downloads them."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone, translation

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.audit.record import record
from renkei.console import exports
from renkei.console.models import ExportJob, ExportKind, ExportState
from renkei.errors import NotFound
from renkei.facilities.models import Affiliation

NOT_SECRETARIAT = ["doctor", "nurse", "clinic_admin", "pharmacist", "helper"]
FORM3_HEADER = [
    "No.",
    "登録日",
    "ふりがな",
    "氏名",
    "職種",
    "解除日（資格喪失日）",
    "メールアドレス",
]


@pytest.fixture(autouse=True)
def _exports_in_line(settings, tmp_path, monkeypatch):
    """Run each export in line after commit, into a temporary DATA_DIR."""
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(exports, "RUNNER", exports.run_export)


def _start(client, data, capture):
    with capture(execute=True):
        response = client.post("/console/exports/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    job = ExportJob.objects.order_by("-id").first()
    assert response["Location"] == f"/console/exports/{job.public_id}/"
    return job


def _download(client, job) -> tuple[bytes, list[list[str]]]:
    response = client.get(f"/console/exports/{job.public_id}/file/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    return raw, rows


def test_one_facility_s_form3_list_as_the_form_has_it(
    region, client_for, django_capture_on_commit_callbacks
):
    lost = Affiliation.objects.get(member=region.care_manager, facility=region.clinic)
    lost.lost_on = date(2026, 3, 31)
    lost.save(update_fields=["lost_on"])
    client = client_for(region.secretariat)
    job = _start(
        client,
        {"kind": "facility_users", "facility": str(region.clinic.public_id)},
        django_capture_on_commit_callbacks,
    )
    job.refresh_from_db()
    assert job.state == ExportState.DONE
    assert job.done == job.total == 5
    assert job.percent == 100
    page = client.get(f"/console/exports/{job.public_id}/").content.decode()
    assert f"/console/exports/{job.public_id}/file/" in page
    assert 'http-equiv="refresh"' not in page
    raw, rows = _download(client, job)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    assert rows[0] == FORM3_HEADER
    staff = list(Affiliation.objects.filter(facility=region.clinic).order_by("number"))
    assert [r[0] for r in rows[1:]] == [str(a.number) for a in staff]
    doctor = next(r for r in rows if r[3] == "山田 一郎")
    assert doctor[2] == "やまだ いちろう"
    assert doctor[4] == "医師"
    assert doctor[6] == region.doctor.email
    assert doctor[5] == ""
    care_manager = next(r for r in rows if r[3] == "鈴木 次郎")
    assert care_manager[5] == "2026-03-31"
    started = AuditEvent.objects.get(action=AuditAction.EXPORT_STARTED)
    assert started.actor_id == region.secretariat.pk
    assert started.facility_id == region.clinic.pk
    assert started.detail["kind"] == "facility_users"
    downloaded = AuditEvent.objects.get(action=AuditAction.EXPORT_DOWNLOADED)
    assert downloaded.object_id == str(job.pk)


def test_the_region_wide_list_names_each_facility(
    region, client_for, django_capture_on_commit_callbacks
):
    client = client_for(region.secretariat)
    job = _start(client, {"kind": "region_users"}, django_capture_on_commit_callbacks)
    _raw, rows = _download(client, job)
    assert rows[0] == ["事業所", *FORM3_HEADER]
    assert len(rows) - 1 == Affiliation.objects.count()
    facilities = {r[0] for r in rows[1:]}
    assert facilities == {region.clinic.name, region.pharmacy.name, region.station.name}
    assert rows[[r[4] for r in rows].index("伊藤 健")][:2] == ["わこう中央薬局", "1"]


def test_the_audit_events_of_a_period(region, client_for, django_capture_on_commit_callbacks):
    tz = timezone.get_default_timezone()
    old = record(AuditAction.POLICY_CHANGED, actor=region.secretariat, object_type="policy")
    client = client_for(region.secretariat)
    today = timezone.localdate()
    job = _start(
        client,
        {"kind": "audit", "since": today.isoformat(), "until": today.isoformat()},
        django_capture_on_commit_callbacks,
    )
    job.refresh_from_db()
    assert job.since == datetime.combine(today, datetime.min.time(), tzinfo=tz)
    assert job.until == job.since + timedelta(days=1)
    _raw, rows = _download(client, job)
    assert rows[0][:4] == ["イベント番号", "日時", "操作の種類", "イベントコード"]
    ids = [int(r[0]) for r in rows[1:]]
    downloaded = AuditEvent.objects.get(action=AuditAction.EXPORT_DOWNLOADED)
    expected = list(
        AuditEvent.objects.filter(at__gte=job.since, at__lt=job.until, pk__lt=downloaded.pk)
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert ids == expected
    assert old.pk in ids
    row = rows[1 + ids.index(old.pk)]
    assert row[3] == str(AuditAction.POLICY_CHANGED.value)
    with translation.override("ja"):
        assert row[2] == str(AuditAction.POLICY_CHANGED.label)
    assert row[1] == timezone.localtime(old.at).strftime("%Y-%m-%d %H:%M:%S")
    assert row[5] == old.actor_label
    assert row[-1] == old.hash

    # A period before anything happened holds no events.
    past = today - timedelta(days=30)
    job = _start(
        client,
        {
            "kind": "audit",
            "since": past.isoformat(),
            "until": (past + timedelta(days=1)).isoformat(),
        },
        django_capture_on_commit_callbacks,
    )
    _raw, rows = _download(client, job)
    assert len(rows) == 1
    job.refresh_from_db()
    assert job.state == ExportState.DONE
    assert job.total == job.done == 0


def test_a_period_that_ends_before_it_starts_is_refused(region, client_for):
    response = client_for(region.secretariat).post(
        "/console/exports/", {"kind": "audit", "since": "2026-05-02", "until": "2026-04-01"}
    )
    assert response.status_code == 400
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT_STARTED).exists()


def test_progress_is_counted_while_the_rows_are_written(
    region, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    seen: list[tuple[int, int]] = []
    real_update = exports.ExportJob.objects.filter

    def spy(*args, **kwargs):  # record every progress row the export writes
        qs = real_update(*args, **kwargs)
        original = qs.update

        def update(**fields):
            if "done" in fields and "state" not in fields:
                seen.append((fields["done"], ExportJob.objects.get(pk=kwargs["pk"]).total))
            return original(**fields)

        qs.update = update
        return qs

    monkeypatch.setattr(exports.ExportJob.objects, "filter", spy)
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.start_export(region.secretariat, kind=ExportKind.REGION_USERS)
    n = Affiliation.objects.count()
    assert n == 8
    # Every second row is counted against the total, known before the first row.
    assert seen == [(2, n), (4, n), (6, n), (8, n)]
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (ExportState.DONE, n, n)


def test_a_running_export_shows_its_progress_and_refreshes(region, client_for, monkeypatch):
    monkeypatch.setattr(exports, "RUNNER", lambda job_id: None)  # still running
    job = exports.start_export(region.secretariat, kind=ExportKind.REGION_USERS)
    ExportJob.objects.filter(pk=job.pk).update(total=10, done=4)
    client = client_for(region.secretariat)
    page = client.get(f"/console/exports/{job.public_id}/").content.decode()
    assert '<meta http-equiv="refresh"' in page
    assert 'value="40"' in page
    assert "/file/" not in page
    assert client.get(f"/console/exports/{job.public_id}/file/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_export_runs_in_a_background_thread(region, client_for, monkeypatch):
    monkeypatch.setattr(exports, "RUNNER", exports._in_background)
    job = exports.start_export(region.secretariat, kind=ExportKind.REGION_USERS)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state != ExportState.RUNNING:
            break
        time.sleep(0.05)
    assert job.state == ExportState.DONE
    assert job.done == Affiliation.objects.count()


@pytest.mark.parametrize("who", NOT_SECRETARIAT)
def test_nobody_else_starts_or_downloads_exports(
    region, client_for, who, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.start_export(region.secretariat, kind=ExportKind.REGION_USERS)
    client = client_for(getattr(region, who))
    before = AuditEvent.objects.count()
    assert client.get("/console/exports/").status_code == 404
    assert client.post("/console/exports/", {"kind": "region_users"}).status_code == 404
    assert client.get(f"/console/exports/{job.public_id}/").status_code == 404
    assert client.get(f"/console/exports/{job.public_id}/file/").status_code == 404
    with pytest.raises(NotFound):
        exports.start_export(getattr(region, who), kind=ExportKind.REGION_USERS)
    assert ExportJob.objects.count() == 1
    assert AuditEvent.objects.count() == before
