"""Password presets (R2.2): the guideline's accepted patterns and NIST SP 800-63B-4, each with
example passwords it must accept and refuse; applied at once by the secretariat, audited."""

from __future__ import annotations

import pytest

from renkei.accounts.passwords import password_problems
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.policy.actions import apply_preset, change_policy
from renkei.policy.definitions import SETTINGS, Policy
from renkei.policy.presets import BY_PRESET, PRESETS, matching_presets
from renkei.policy.queries import current_policy

pytestmark = pytest.mark.rule("R2.2")

API = "/api/v1"

ACCEPTED = [(p.key, pw) for p in PRESETS for pw in p.accepts]
REFUSED = [(p.key, pw) for p in PRESETS for pw in p.refuses]


def _policy_of(key: str) -> Policy:
    return Policy.from_values(dict(BY_PRESET[key].values))


@pytest.mark.parametrize(("key", "password"), ACCEPTED)
def test_each_preset_accepts_its_examples(key, password):
    assert password_problems(_policy_of(key), password) == []


@pytest.mark.parametrize(("key", "password"), REFUSED)
def test_each_preset_refuses_its_examples(key, password):
    assert password_problems(_policy_of(key), password) != []


def test_every_preset_has_examples_both_ways():
    for preset in PRESETS:
        assert len(preset.accepts) >= 2, preset.key
        assert len(preset.refuses) >= 3, preset.key


def test_the_presets_say_what_their_sources_say():
    seed, long, two_factor = (
        BY_PRESET["seed_rotation"],
        BY_PRESET["guideline_long"],
        BY_PRESET["guideline_two_factor"],
    )
    assert seed.values["password_rotation_days"] == 60
    assert seed.values["password_min_length"] == 8
    assert long.values["password_min_length"] == 13
    assert long.values["password_rotation_days"] == 0
    assert two_factor.values["two_factor_required"] == "everyone"
    assert two_factor.values["password_rotation_days"] == 0
    nist_1, nist_2 = BY_PRESET["nist_single_factor"], BY_PRESET["nist_multi_factor"]
    # SP 800-63B-4 3.1.1.2: 15 alone, 8 with MFA; no composition rules; no periodic change.
    assert nist_1.values["password_min_length"] == 15
    assert nist_2.values["password_min_length"] == 8
    assert nist_2.values["two_factor_required"] == "everyone"
    for nist in (nist_1, nist_2):
        assert nist.values["password_require_letters_and_digits"] is False
        assert nist.values["password_rotation_days"] == 0
        assert nist.values["password_check_common"] is True
    # Every rotation-free preset either asks for 13+ characters or for two factors.
    for preset in PRESETS:
        if preset.values["password_rotation_days"] == 0:
            assert (
                preset.values["password_min_length"] >= 13
                or preset.values.get("two_factor_required") == "everyone"
            ), preset.key


def test_the_longest_password_allowed_is_at_least_64_characters():
    policy = _policy_of("nist_single_factor")
    assert password_problems(policy, "kawa to yama to sora " * 3 + "umi") == []
    assert password_problems(policy, "hoshizora-kaze-" * 9) != []  # over 128


def test_the_default_policy_matches_the_regions_default_preset(db):
    assert [p.key for p in matching_presets(current_policy())] == ["seed_rotation"]


def test_common_and_guessable_passwords_are_refused_only_while_the_setting_is_on(region):
    policy = current_policy()
    for guessable in ("password1", "Renkei2026", "asaka2026", "1234abcd", "abc123abc123"):
        assert password_problems(policy, guessable), guessable
    off = Policy.from_values({"password_check_common": False})
    assert password_problems(off, "password1") == []


def test_the_members_own_email_with_digits_is_refused(region):
    nurse = region.nurse
    local = nurse.email.split("@")[0]
    letters = "".join(ch for ch in local.lower() if ch.isalpha())
    problems = password_problems(current_policy(), f"{letters}2026", member=nurse)
    assert "サービス名・地域名・メールアドレスに数字などを足しただけのパスワードは使えません。" in (
        problems
    )


def test_the_console_shows_the_presets_and_which_one_is_in_force(region, client_for):
    page = client_for(region.secretariat).get("/console/policy/").content.decode()
    assert "パスワードのプリセット" in page
    assert "全員に二要素認証を求めれば、パスワードの定期変更をやめられます。" in page
    assert "NIST SP 800-63B-4" in page
    assert page.count("現在のポリシーと一致") == 1
    seed_block = page[page.index('id="preset-seed_rotation"') :]
    assert seed_block.index("現在のポリシーと一致") < seed_block.index('id="preset-guideline_long"')


def test_applying_a_preset_sets_its_settings_at_once_and_is_audited(region, client_for):
    client = client_for(region.secretariat)
    response = client.post("/console/policy/presets/guideline_two_factor/", follow=True)
    assert "プリセット「全員が二要素でログインし、8文字以上、定期変更なし」を適用しました。" in (
        response.content.decode()
    )
    policy = current_policy()
    assert policy.two_factor_required == "everyone"
    assert policy.password_rotation_days == 0
    assert [p.key for p in matching_presets(policy)] == ["guideline_two_factor"]
    changed = set(
        AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).values_list(
            "object_id", flat=True
        )
    )
    assert changed == {"password_rotation_days", "two_factor_required"}
    applied = AuditEvent.objects.get(action=AuditAction.POLICY_PRESET_APPLIED)
    assert applied.object_id == "guideline_two_factor"
    assert applied.actor_id == region.secretariat.pk


def test_other_settings_are_left_as_the_region_set_them(region):
    change_policy(region.secretariat, changes={"password_history": 12, "session_idle_minutes": 45})
    apply_preset(region.secretariat, key="nist_single_factor")
    policy = current_policy()
    assert policy.password_history == 12
    assert policy.session_idle_minutes == 45
    assert policy.password_min_length == 15


def test_an_unknown_preset_changes_nothing(region, client_for):
    client = client_for(region.secretariat)
    response = client.post("/console/policy/presets/no-such-preset/")
    assert response.status_code == 422
    assert "一覧にあるプリセットから選んでください。" in response.content.decode()
    assert current_policy() == Policy.from_values({})
    assert not AuditEvent.objects.filter(action=AuditAction.POLICY_PRESET_APPLIED).exists()


@pytest.mark.parametrize("who", ["nurse", "clinic_admin", "doctor"])
def test_only_the_secretariat_applies_presets(region, client_for, who):
    client = client_for(getattr(region, who))
    page = client.post("/console/policy/presets/guideline_long/")
    assert page.status_code == 404
    api = client.post(f"{API}/policy/presets/guideline_long")
    assert api.status_code == 403
    assert current_policy().password_min_length == 8
    assert not AuditEvent.objects.filter(action=AuditAction.POLICY_PRESET_APPLIED).exists()


def test_the_api_lists_presets_and_applies_one(region, client_for):
    listed = client_for(region.nurse).get(f"{API}/policy/presets").json()
    assert [row["key"] for row in listed] == [p.key for p in PRESETS]
    assert [row["key"] for row in listed if row["matches"]] == ["seed_rotation"]
    client = client_for(region.secretariat)
    applied = client.post(f"{API}/policy/presets/nist_multi_factor")
    assert applied.status_code == 200
    assert [row["key"] for row in applied.json() if row["matches"]] == ["nist_multi_factor"]
    unknown = client.post(f"{API}/policy/presets/nope")
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"preset": ["一覧にあるプリセットから選んでください。"]}


def test_presets_only_name_existing_settings():
    keys = {s.key for s in SETTINGS}
    for preset in PRESETS:
        assert set(preset.values) <= keys


def test_the_password_field_says_what_is_refused(region, client_for):
    page = client_for(region.nurse).get("/password/change/").content.decode()
    assert "8文字以上で、英字と数字を両方含めてください。" in page
    assert "1234 や qwerty のような並びは使えません。" in page
