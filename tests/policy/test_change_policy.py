"""The regional policy: defaults from the seed, changed only by the secretariat, every change
audited with its old and new value, and all-or-nothing."""

from __future__ import annotations

import pytest
from django.utils import translation

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import Forbidden, ValidationFailed
from renkei.policy.actions import change_policy
from renkei.policy.definitions import SETTINGS
from renkei.policy.models import PolicyValue
from renkei.policy.queries import current_policy
from renkei.rules import RULES


def test_every_setting_names_a_rule_of_the_catalogue():
    assert SETTINGS
    for setting in SETTINGS:
        assert setting.rule in RULES, setting.key


@pytest.mark.rule("R2.2")
def test_defaults_follow_the_seed(db):
    policy = current_policy()
    assert policy.password_min_length == 8
    assert policy.password_require_letters_and_digits is True
    assert policy.password_rotation_days == 60


@pytest.mark.rule("R2.2")
def test_a_change_is_stored_and_audited_with_old_and_new_value(region):
    policy = change_policy(region.secretariat, changes={"password_rotation_days": "30"})
    assert policy.password_rotation_days == 30
    assert current_policy().password_rotation_days == 30
    event = AuditEvent.objects.get(action=AuditAction.POLICY_CHANGED)
    assert event.actor_id == region.secretariat.pk
    assert event.object_type == "policy"
    assert event.object_id == "password_rotation_days"
    assert event.detail == {"rule": "R2.2", "old": 60, "new": 30}


def test_an_unchanged_value_is_not_audited(region):
    change_policy(region.secretariat, changes={"session_idle_minutes": "30"})
    assert not AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).exists()


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"password_min_length": "7"}, "password_min_length", "8以上の数を入力してください。"),
        ({"password_min_length": "abc"}, "password_min_length", "整数を入力してください。"),
        ({"session_idle_minutes": "1e3"}, "session_idle_minutes", "整数を入力してください。"),
        ({"password_history": "99"}, "password_history", "24以下の数を入力してください。"),
        ({"secretariat_tel": "0" * 201}, "secretariat_tel", "200文字以内で入力してください。"),
        ({"secretariat_name": "<script>alert(1)</script>"}, "secretariat_name", "<"),
        ({"secretariat_email": "   "}, "secretariat_email", "この項目は必須です。"),
        (
            {"password_require_letters_and_digits": "maybe"},
            "password_require_letters_and_digits",
            "はい",
        ),
        ({"no_such_setting": "1"}, "no_such_setting", "不明な設定です。"),
    ],
)
def test_invalid_values_are_refused_in_japanese_and_nothing_changes(region, changes, key, message):
    # A valid change next to the invalid one: all-or-nothing means neither is stored.
    with translation.override("ja"), pytest.raises(ValidationFailed) as refused:
        change_policy(region.secretariat, changes={"password_rotation_days": "30", **changes})
    assert list(refused.value.errors) == [key]
    assert message in refused.value.errors[key][0]
    assert not PolicyValue.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).exists()
    assert current_policy().password_rotation_days == 60


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("who", ["doctor", "clinic_admin", "pharmacist", "helper"])
def test_only_the_secretariat_may_change_the_policy(region, who):
    with pytest.raises(Forbidden):
        change_policy(region.cast[who], changes={"password_min_length": "12"})
    assert not PolicyValue.objects.exists()
    assert current_policy().password_min_length == 8
