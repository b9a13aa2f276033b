"""What a member (or their facility admin) may see of second factors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef

from renkei.accounts.models import Member
from renkei.facilities.models import Affiliation
from renkei.twofactor.models import Passkey, RecoveryCode, TotpAuthenticator


def has_second_factor(member: Member) -> bool:
    """Whether ``member`` has a confirmed authenticator app or a passkey.

    Recovery codes alone do not count: they only stand in for a lost factor.
    """
    if not member.pk:
        return False
    return (
        TotpAuthenticator.objects.filter(member=member, confirmed_at__isnull=False).exists()
        or Passkey.objects.filter(member=member).exists()
    )


@dataclass(frozen=True)
class FactorState:
    """Whether a member has a second factor and whether the policy requires one of them."""

    has_factor: bool
    is_admin: bool


def factor_state(member: Member) -> FactorState:
    """Both answers for ``member`` in one query (the session guard asks on first use)."""
    row = (
        Member.objects.filter(pk=member.pk)
        .annotate(
            has_totp=Exists(
                TotpAuthenticator.objects.filter(member=OuterRef("pk"), confirmed_at__isnull=False)
            ),
            has_passkey=Exists(Passkey.objects.filter(member=OuterRef("pk"))),
            admins_facility=Exists(
                Affiliation.objects.filter(
                    member=OuterRef("pk"),
                    is_admin=True,
                    lost_on__isnull=True,
                    facility__state="active",
                )
            ),
        )
        .values("has_totp", "has_passkey", "admins_facility", "is_secretariat", "is_operator")
        .first()
    )
    if row is None:
        return FactorState(has_factor=False, is_admin=False)
    return FactorState(
        has_factor=bool(row["has_totp"] or row["has_passkey"]),
        is_admin=bool(row["admins_facility"] or row["is_secretariat"] or row["is_operator"]),
    )


def is_required(setting: str, state: FactorState) -> bool:
    """Whether the policy value ``two_factor_required`` requires a second factor (R2.3)."""
    if setting == "everyone":
        return True
    if setting == "admins":
        return state.is_admin
    return False


@dataclass(frozen=True)
class PasskeyRow:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class Overview:
    """One's own second factors, for the settings page."""

    totp_confirmed: bool
    totp_pending: bool
    passkeys: list[PasskeyRow]
    recovery_left: int


def overview(member: Member) -> Overview:
    """The viewer's own factors; nobody sees another member's."""
    totp = TotpAuthenticator.objects.filter(member=member).only("confirmed_at").first()
    return Overview(
        totp_confirmed=totp is not None and totp.confirmed_at is not None,
        totp_pending=totp is not None and totp.confirmed_at is None,
        passkeys=[
            PasskeyRow(p.pk, p.name, p.created_at, p.last_used_at)
            for p in Passkey.objects.filter(member=member)
        ],
        recovery_left=RecoveryCode.objects.filter(member=member, used_at__isnull=True).count(),
    )


def has_passkeys(member: Member) -> bool:
    """Whether ``member`` can answer the second step with a passkey."""
    return Passkey.objects.filter(member=member).exists()


def resettable_member(actor: Member, public_id: str) -> Member:
    """The member whose second factor ``actor`` may reset, or NotFound (never says which)."""
    import uuid

    from renkei import authz
    from renkei.errors import NotFound

    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise NotFound() from exc
    member = Member.objects.filter(public_id=key).first()
    if member is None or not authz.may_reset_second_factor(actor, member):
        raise NotFound()
    return member
