"""Content that a role must never read: a patient group, a group and a connection of which the
role is not a member, each carrying random canary strings in every place content can live
(patient record, post bodies, a reply, a file name, the group's name, the consent's signer).

The spaces are led by and shared between the pharmacy and the visiting-nurse station, so that
nobody at the clinic, nor the secretariat or the operator, is a member of any of them.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.test import TestCase
from django.utils import timezone

from renkei.attachments.uploads import prepare_uploads
from renkei.consents import actions as consent_actions
from renkei.spaces import actions as space_actions
from renkei.spaces.models import Space
from renkei.timeline.actions import acknowledge, post_message
from tests.attachments import samples
from tests.spaces.helpers import patient
from tests.support.approval import approve_pending
from tests.support.consent import signed_form
from tests.support.region import Region

_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_HIRAGANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめも"


def canary(tag: str) -> str:
    """A random token that nothing else in the database or in any answer contains (letters
    only: a run of digits looks like an insurance number to the personal-information guard)."""
    return f"ZQ{tag}" + "".join(secrets.choice(_LETTERS) for _ in range(16))


def hiragana_canary() -> str:
    """A random run of hiragana, for fields that accept only kana (furigana)."""
    return "".join(secrets.choice(_HIRAGANA) for _ in range(12))


def birth_date_canary() -> date:
    """A random birth date in the 1920s, a decade no other fixture uses."""
    return date.fromordinal(date(1920, 1, 1).toordinal() + random.SystemRandom().randrange(3650))


@dataclass
class Canaries:
    """The planted spaces and the strings each one hides."""

    patient_group: Space
    group: Space
    connection: Space
    strings: dict[str, str]

    @property
    def values(self) -> list[str]:
        return list(self.strings.values())


def plant(region: Region) -> Canaries:
    """Plant the three canary spaces between the pharmacist and the visiting nurse."""
    born = birth_date_canary()
    s = {tag: canary(tag) for tag in ("NAME", "ADDR", "KEY", "POST", "REPLY", "FILE", "GROUP")}
    s.update({tag: canary(tag) for tag in ("GPOST", "CPOST", "SIGNER")})
    s["FURIGANA"] = hiragana_canary()
    s["BORN"] = born.isoformat()
    pharmacist, visiting_nurse = region.pharmacist, region.visiting_nurse

    space = space_actions.create_patient_group(
        pharmacist,
        facility_id=region.pharmacy.pk,
        patient=patient(
            name=f"秘匿 {s['NAME']}",
            furigana=s["FURIGANA"],
            birth_date=born,
            address=f"埼玉県朝霞市 {s['ADDR']}",
            key_person=f"長女 {s['KEY']}",
        ),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        consent_actions.record_consent(
            pharmacist,
            space_public_id=space.public_id,
            consent=consent_actions.ConsentInput(
                consented_on=timezone.localdate(),
                signer="family",
                signer_name=f"家族 {s['SIGNER']}",
                signer_relationship="長女",
            ),
            document=signed_form(f"{s['SIGNER']}.pdf"),
        )
    space_actions.invite_to_patient_group(
        pharmacist, space_id=space.pk, member_ids=[visiting_nurse.pk]
    )
    approve_pending(space)
    first = post_message(
        pharmacist, space_id=space.pk, body=f"服薬確認 {s['POST']}", ack_from=[visiting_nurse.pk]
    )
    post_message(visiting_nurse, space_id=space.pk, body=f"了解 {s['REPLY']}", parent_id=first.pk)
    acknowledge(visiting_nurse, post_id=first.pk)
    files = [samples.upload(f"{s['FILE']}.pdf", samples.pdf(s["FILE"]), "application/pdf")]
    # The encrypted file is written once the post commits; run that inside the test.
    with TestCase.captureOnCommitCallbacks(execute=True):
        post_message(
            pharmacist,
            space_id=space.pk,
            body="",
            attachments=prepare_uploads(files, space=space, photo_consent=True),
        )

    group = space_actions.create_group(
        pharmacist, name=f"勉強会 {s['GROUP']}", member_ids=[visiting_nurse.pk]
    )
    approve_pending(group)
    post_message(visiting_nurse, space_id=group.pk, body=f"資料 {s['GPOST']}")

    connection = space_actions.request_connection(pharmacist, member_id=visiting_nurse.pk)
    space_actions.accept_connection(visiting_nurse, space_id=connection.pk)
    post_message(pharmacist, space_id=connection.pk, body=f"連絡 {s['CPOST']}")
    return Canaries(patient_group=space, group=group, connection=connection, strings=s)


def public_ids() -> list[str]:
    """Every public id in the database, of every model that has one: the fuzzer picks path and
    query ids among them, so that it asks for real objects, the canaries' included."""
    found: list[str] = []
    for model in apps.get_models():
        field_names = {f.name for f in model._meta.get_fields()}
        if "public_id" in field_names:
            found += [str(v) for v in model._default_manager.values_list("public_id", flat=True)]
    return sorted(set(found))
