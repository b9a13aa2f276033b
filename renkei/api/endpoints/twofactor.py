"""Second factors (R2.3): one's own state, and a facility admin's reset of a member's factors."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Field, Router, Schema

from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.policy.queries import current_policy
from renkei.twofactor import actions, queries

router = Router(tags=["two-factor"])


class SecondFactorOut(Schema):
    authenticator_app: bool = Field(description="A confirmed authenticator app (TOTP).")
    passkeys: int = Field(description="How many passkeys are registered.")
    recovery_codes_left: int
    required: bool = Field(description="Whether the region's policy requires a second factor.")


class SecondFactorResetOut(Schema):
    sessions_ended: int = Field(description="How many of the member's sessions were ended.")


@router.get("/me/second-factor", response={200: SecondFactorOut, **errors(401, 403)})
def my_second_factor(request: HttpRequest) -> SecondFactorOut:
    """The signed-in member's second factors; enrolling them is done on the two-factor page."""
    member = member_of(request)
    mine = queries.overview(member)
    state = queries.factor_state(member)
    return SecondFactorOut(
        authenticator_app=mine.totp_confirmed,
        passkeys=len(mine.passkeys),
        recovery_codes_left=mine.recovery_left,
        required=queries.is_required(current_policy().two_factor_required, state),
    )


@router.post(
    "/members/{public_id}/second-factor/reset",
    response={200: SecondFactorResetOut, **errors(400, 401, 403, 404)},
)
def reset_member_second_factor(request: HttpRequest, public_id: uuid.UUID) -> SecondFactorResetOut:
    """Remove every second factor of a member of one's facility (the secretariat: anyone's);
    their sessions end and they are mailed. 404 for anyone else."""
    actor = member_of(request)
    target = queries.resettable_member(actor, str(public_id))
    return SecondFactorResetOut(sessions_ended=actions.reset_second_factor(actor, member=target))
