"""The policy is read once per request and never served stale: a change is seen by the next
request, whichever process made it, and by the rest of the request that made it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from renkei.policy.actions import apply_preset, change_policy
from renkei.policy.models import PolicyValue
from renkei.policy.queries import current_policy, policy_per_request
from tests.api.spaces_cast import group, send

pytestmark = pytest.mark.django_db


def _policy_reads(ctx: CaptureQueriesContext) -> int:
    return sum('"policy_policyvalue"' in q["sql"] for q in ctx.captured_queries)


def _value(client, key: str):  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/policy")
    assert answer.status_code == 200
    return {s["key"]: s["value"] for s in answer.json()}[key]


def test_a_post_reads_the_policy_once(region, client_for):
    space = group(region.nurse, region.pharmacist)
    client = client_for(region.nurse)
    with CaptureQueriesContext(connection) as ctx:
        assert send(client, space, "本日訪問しました。").status_code == 201
    assert _policy_reads(ctx) == 1


def test_a_change_made_elsewhere_is_seen_by_the_next_request(region, client_for):
    # The row written directly stands for another worker process's change: nothing in this
    # process is told about it, yet the very next request must see it.
    client = client_for(region.nurse)
    assert _value(client, "post_max_chars") == current_policy().post_max_chars
    PolicyValue.objects.update_or_create(key="post_max_chars", defaults={"value": 123})
    assert _value(client, "post_max_chars") == 123
    PolicyValue.objects.filter(key="post_max_chars").update(value=456)
    assert _value(client, "post_max_chars") == 456


def test_a_change_through_the_api_is_seen_by_the_next_request_of_another_member(region, client_for):
    secretariat = client_for(region.secretariat)
    nurse = client_for(region.nurse)
    assert _value(nurse, "post_max_chars") != 3210
    answer = secretariat.patch(
        "/api/v1/policy", {"post_max_chars": 3210}, content_type="application/json"
    )
    assert answer.status_code == 200
    assert {s["key"]: s["value"] for s in answer.json()}["post_max_chars"] == 3210
    assert _value(nurse, "post_max_chars") == 3210


def test_the_memo_does_not_outlive_its_request():
    with policy_per_request():
        first = current_policy()
        PolicyValue.objects.update_or_create(key="post_max_chars", defaults={"value": 222})
        assert current_policy() is first  # remembered within the request
    assert current_policy().post_max_chars == 222  # outside a request: read afresh
    with policy_per_request():
        assert current_policy().post_max_chars == 222


def test_a_change_within_the_request_is_seen_by_the_rest_of_it(region):
    with policy_per_request():
        before = current_policy().post_max_chars
        change_policy(region.secretariat, changes={"post_max_chars": before - 1})
        assert current_policy().post_max_chars == before - 1


def _change_then_fail(actor, value: int) -> None:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        change_policy(actor, changes={"post_max_chars": value})
        assert current_policy().post_max_chars == value
        raise RuntimeError("rolled back")


def test_a_change_rolled_back_is_not_remembered(region):
    with policy_per_request():
        before = current_policy().post_max_chars
        with pytest.raises(RuntimeError):
            _change_then_fail(region.secretariat, before - 1)
        assert current_policy().post_max_chars == before


def test_a_preset_is_seen_by_the_rest_of_the_request(region):
    from renkei.policy.presets import PRESETS

    preset = PRESETS[-1]
    with policy_per_request():
        current_policy()
        apply_preset(region.secretariat, key=preset.key)
        policy = current_policy()
        for key, value in preset.values.items():
            assert getattr(policy, key) == value
