"""R3.2: withdrawn consent freezes the patient group (read-only, like the archive), keeps its
history and tells its admins to archive it or have it deleted; a new signature unfreezes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.consents import actions
from renkei.consents.models import ConsentRecord
from renkei.errors import DomainError, Forbidden, NotFound, ValidationFailed
from renkei.notifications.models import Notification, NotificationKind
from renkei.spaces.models import Membership, SpaceState
from renkei.timeline.actions import acknowledge, post_message
from renkei.timeline.models import Post
from tests.consents.helpers import by_family, unconsented_group
from tests.support.consent import record_consent, signed_form

pytestmark = pytest.mark.rule("R3.2")


@pytest.fixture
def consented(region):
    space = unconsented_group(region)
    # A second patient group admin, to be told of the withdrawal.
    Membership.objects.filter(space=space, member=region.nurse).update(is_admin=True)
    record_consent(space, by=region.doctor, on=timezone.localdate() - timedelta(days=30))
    first = post_message(region.pharmacist, space_id=space.pk, body="お薬を届けました。")
    return space, first


def test_withdrawal_freezes_the_group_and_notifies_its_other_admins(
    region, consented, django_capture_on_commit_callbacks
):
    space, first = consented
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.withdraw_consent(
            region.doctor,
            space_public_id=space.public_id,
            withdrawn_on=timezone.localdate(),
            note="ご家族より電話で撤回の申し出",
        )
    space.refresh_from_db()
    assert space.state == SpaceState.FROZEN
    assert row.withdrawn_by == region.doctor
    assert row.withdrawal_note.startswith("ご家族")
    notified = Notification.objects.filter(kind=NotificationKind.CONSENT_WITHDRAWN)
    assert [n.member for n in notified] == [region.nurse]  # the admins but the one who recorded
    event = AuditEvent.objects.get(action=AuditAction.CONSENT_WITHDRAWN)
    assert event.detail == {"consent": str(row.public_id), "frozen": True}
    # read-only: no post, reply or 了解; the history stays readable
    for attempt in (
        lambda: post_message(region.nurse, space_id=space.pk, body="追記します。"),
        lambda: post_message(region.nurse, space_id=space.pk, body="返信", parent_id=first.pk),
        lambda: acknowledge(region.nurse, post_id=first.pk),
    ):
        with pytest.raises(DomainError):
            attempt()
    assert list(Post.objects.filter(space=space)) == [first]


def test_the_admins_see_the_withdrawal_in_their_notifications(region, client_for, consented):
    space, _first = consented
    actions.withdraw_consent(
        region.clinic_admin, space_public_id=space.public_id, withdrawn_on=timezone.localdate()
    )
    page = client_for(region.nurse).get("/notifications/").content.decode()
    assert "同意撤回を記録しました" in page
    space_page = client_for(region.nurse).get(f"/spaces/{space.public_id}/").content.decode()
    assert "撤回されました" in space_page


def test_recording_a_new_signature_unfreezes(region, consented):
    space, _first = consented
    actions.withdraw_consent(
        region.doctor, space_public_id=space.public_id, withdrawn_on=timezone.localdate()
    )
    again = actions.record_consent(
        region.doctor, space_public_id=space.public_id, consent=by_family(), document=signed_form()
    )
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE
    assert ConsentRecord.objects.filter(space=space).count() == 2  # the history is kept
    assert AuditEvent.objects.get(action=AuditAction.CONSENT_RECORDED, detail__unfrozen=True)
    assert again.is_current
    assert post_message(region.nurse, space_id=space.pk, body="再開します。")


@pytest.mark.parametrize("who", ["nurse_not_admin", "pharmacist"])
def test_members_who_are_not_admins_cannot_withdraw(region, consented, who):
    space, _first = consented
    if who == "nurse_not_admin":
        Membership.objects.filter(space=space, member=region.nurse).update(is_admin=False)
        member = region.nurse
    else:
        member = region.pharmacist
    with pytest.raises(Forbidden):
        actions.withdraw_consent(
            member, space_public_id=space.public_id, withdrawn_on=timezone.localdate()
        )
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE


@pytest.mark.parametrize("who", ["helper", "secretariat", "visiting_nurse"])
def test_outsiders_get_not_found(region, consented, who):
    space, _first = consented
    with pytest.raises(NotFound):
        actions.withdraw_consent(
            region.cast[who], space_public_id=space.public_id, withdrawn_on=timezone.localdate()
        )


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, "撤回日に未来の日付は指定できません。"),
        (40, "撤回日に同意日より前の日付は指定できません。"),
        (None, "同意が撤回された日付を入力してください。"),
    ],
)
def test_a_bad_withdrawal_date_changes_nothing(region, consented, days, message):
    space, _first = consented
    day = None if days is None else timezone.localdate() - timedelta(days=days)
    with pytest.raises(ValidationFailed) as bad:
        actions.withdraw_consent(region.doctor, space_public_id=space.public_id, withdrawn_on=day)
    assert bad.value.errors["withdrawn_on"] == [message]
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE
    assert ConsentRecord.objects.get(space=space).is_current
    assert not AuditEvent.objects.filter(action=AuditAction.CONSENT_WITHDRAWN).exists()


def test_nothing_to_withdraw_is_refused(region):
    space = unconsented_group(region)
    with pytest.raises(DomainError) as refused:
        actions.withdraw_consent(
            region.doctor, space_public_id=space.public_id, withdrawn_on=timezone.localdate()
        )
    assert refused.value.message == "撤回する同意書が登録されていません。"
