"""The signed-in member's own sessions, and confirming the password before sensitive actions."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from renkei.accounts import actions as account_actions
from renkei.accounts.queries import own_sessions
from renkei.accounts.reauth import confirm_identity, current_session
from renkei.api.schemas import InputSchema, SignedOutOut
from renkei.api.security import member_of
from renkei.api.status import errors

router = Router(tags=["me"])


class SessionOut(Schema):
    public_id: uuid.UUID
    device: str = Field(description='The system and browser, such as "iPhone · Safari".')
    device_name: str = Field(description="The registered device's name, if the session has one.")
    address: str = Field(description="The address the session was opened from.")
    place: str = Field(description="What can be said of the address without a lookup, or empty.")
    started_at: datetime
    last_used_at: datetime
    expires_at: datetime = Field(description="When the session ends at the latest (R2.3).")
    is_current: bool = Field(description="True for the session making this request.")


class ConfirmIn(InputSchema):
    password: str = Field(max_length=128)
    code: str = Field("", max_length=64, description="The second factor's code, if enrolled.")


class ConfirmedOut(Schema):
    confirmed_at: datetime
    valid_minutes: int = Field(description="How long the confirmation counts (the policy).")


@router.get("/me/sessions", response={200: list[SessionOut], **errors(401, 403)})
def list_my_sessions(request: HttpRequest) -> list[SessionOut]:
    """The signed-in member's open sessions, the one making the request first."""
    member = member_of(request)
    return [
        SessionOut(**vars(view))
        for view in own_sessions(member, current_key=request.session.session_key)
    ]


@router.delete(
    "/me/sessions/{public_id}", response={200: SignedOutOut, **errors(401, 403, 404, 422)}
)
def end_my_session(request: HttpRequest, public_id: uuid.UUID) -> SignedOutOut:
    """End one of the member's sessions at once: its pages, API calls and live connections
    stop (audited). Another member's session, or one already ended, answers 404."""
    account_actions.end_own_session(member_of(request), public_id=str(public_id))
    return SignedOutOut(ended=1)


@router.post("/me/confirm", response={200: ConfirmedOut, **errors(401, 403, 422, 429)})
def confirm_me(request: HttpRequest, payload: ConfirmIn) -> ConfirmedOut:
    """Confirm the password (and the second factor's code when the member has one) so that
    sensitive actions are allowed for ``reauth_minutes``. Failures count as failed sign-ins."""
    from renkei.policy.queries import current_policy

    member = member_of(request)
    session = confirm_identity(
        member, session=current_session(request), password=payload.password, code=payload.code
    )
    return ConfirmedOut(
        confirmed_at=session.confirmed_at, valid_minutes=current_policy().reauth_minutes
    )
