"""The regional policy page: every setting with its rule, one form, all-or-nothing."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.policy.definitions import SETTINGS
from renkei.policy.models import PolicyValue
from renkei.policy.queries import current_policy

URL = "/console/policy/"


def _form_data(**overrides: str) -> dict[str, str]:
    """The form as the page sends it unchanged: current values, ticked switches only."""
    policy = current_policy()
    data: dict[str, str] = {}
    for setting in SETTINGS:
        value = getattr(policy, setting.key)
        if setting.kind is bool:
            if value:
                data[setting.key] = "on"
        else:
            data[setting.key] = str(value)
    data.update(overrides)
    return data


def test_each_setting_is_shown_with_its_rule_label_and_value(region, client_for):
    html = client_for(region.secretariat).get(URL).content.decode()
    for setting in SETTINGS:
        start = html.index(f'id="setting-{setting.key}"')
        block = html[start : html.index("</fieldset>", start)]
        assert f">{setting.rule}<" in block, setting.key
        assert f'name="{setting.key}"' in block
    assert "パスワードの最小文字数" in html
    assert "R2.2" in html
    assert "R1.3" in html


@pytest.mark.rule("R2.2")
def test_a_change_is_saved_and_shown_in_recent_changes(region, client_for):
    client = client_for(region.secretariat)
    response = client.post(URL, _form_data(password_rotation_days="45"))
    assert response.status_code == 302
    assert current_policy().password_rotation_days == 45
    event = AuditEvent.objects.get(action=AuditAction.POLICY_CHANGED)
    assert event.detail == {"rule": "R2.2", "old": 60, "new": 45}
    html = client.get(URL).content.decode()
    recent = html[html.index('id="changes-h"') :]
    assert "45" in recent
    assert "60" in recent
    assert region.secretariat.name in recent


def test_unticking_a_switch_turns_it_off(region, client_for):
    data = _form_data()
    del data["password_require_letters_and_digits"]
    client_for(region.secretariat).post(URL, data)
    assert current_policy().password_require_letters_and_digits is False


@pytest.mark.rule("R1.3")
def test_the_secretariat_contact_shown_to_everyone_follows_the_policy(region, client_for):
    client_for(region.secretariat).post(URL, _form_data(secretariat_tel="048-000-1234"))
    assert "048-000-1234" in client_for(region.nurse).get("/").content.decode()


@pytest.mark.parametrize(
    ("key", "typed", "message"),
    [
        ("password_min_length", "6", "8以上の数を入力してください。"),
        ("password_rotation_days", "sixty", "整数を入力してください。"),
        ("secretariat_address", "あ" * 201, "200文字以内で入力してください。"),
        ("secretariat_name", "<script>alert(1)</script>", "「&lt;」と「&gt;」"),
    ],
)
def test_invalid_input_is_refused_next_to_its_field_and_kept(
    region, client_for, key, typed, message
):
    client = client_for(region.secretariat)
    events = AuditEvent.objects.count()
    response = client.post(URL, _form_data(session_idle_minutes="45", **{key: typed}))
    assert response.status_code == 400
    html = response.content.decode()
    start = html.index(f'id="setting-{key}"')
    block = html[start : html.index("</fieldset>", start)]
    assert message in block
    assert 'aria-invalid="true"' in block
    # What was typed is kept (escaped), and the other field's edit is kept too.
    assert 'value="45"' in html
    if "<" not in typed:
        assert typed in block
    else:
        assert "<script>" not in html
    assert "保存されていません" in html
    assert "Traceback" not in html
    assert not PolicyValue.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("who", ["doctor", "clinic_admin"])
def test_members_cannot_reach_or_change_the_policy(region, client_for, who):
    client = client_for(region.cast[who])
    assert client.get(URL).status_code == 404
    assert client.post(URL, _form_data(password_min_length="12")).status_code == 404
    assert not PolicyValue.objects.exists()
