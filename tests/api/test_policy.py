"""The regional policy through the API: read by every member, changed by the secretariat."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.policy.definitions import SETTINGS
from renkei.policy.models import PolicyValue
from renkei.policy.queries import current_policy

JSON = "application/json"


def test_every_member_reads_every_setting_with_its_rule(region, client_for):
    body = client_for(region.helper).get("/api/v1/policy").json()
    assert [s["key"] for s in body] == [s.key for s in SETTINGS]
    rotation = next(s for s in body if s["key"] == "password_rotation_days")
    assert rotation["rule"] == "R2.2"
    assert rotation["value"] == 60
    assert rotation["default"] == 60
    assert rotation["kind"] == "int"
    assert rotation["label"]


@pytest.mark.rule("R2.2")
def test_the_secretariat_changes_the_policy_and_it_is_audited(region, client_for):
    response = client_for(region.secretariat).patch(
        "/api/v1/policy",
        {"password_rotation_days": 90, "password_require_letters_and_digits": False},
        content_type=JSON,
    )
    assert response.status_code == 200
    rotation = next(s for s in response.json() if s["key"] == "password_rotation_days")
    assert (rotation["value"], rotation["default"]) == (90, 60)
    assert current_policy().password_rotation_days == 90
    events = AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).order_by("id")
    assert [(e.object_id, e.detail["old"], e.detail["new"]) for e in events] == [
        ("password_rotation_days", 60, 90),
        ("password_require_letters_and_digits", True, False),
    ]
    assert all(e.actor_id == region.secretariat.pk for e in events)


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("who", ["doctor", "clinic_admin", "pharmacist", "helper"])
def test_others_cannot_change_the_policy(region, client_for, who):
    response = client_for(region.cast[who]).patch(
        "/api/v1/policy", {"password_rotation_days": 365}, content_type=JSON
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not PolicyValue.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).exists()


def test_one_bad_value_changes_nothing(region, client_for):
    response = client_for(region.secretariat).patch(
        "/api/v1/policy",
        {"session_idle_minutes": 60, "password_min_length": 4, "no_such_setting": 1},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"password_min_length", "no_such_setting"}
    [message] = response.json()["errors"]["password_min_length"]
    assert "8以上" in message
    assert not PolicyValue.objects.exists()


def test_a_body_that_is_not_an_object_is_refused(region, client_for):
    response = client_for(region.secretariat).patch("/api/v1/policy", [1], content_type=JSON)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
