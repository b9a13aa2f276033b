"""The signed-in member: who they are, and signing out everywhere."""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.csrf import get_token
from ninja import Router

from renkei.accounts import actions as account_actions
from renkei.accounts.models import Profession
from renkei.api.schemas import (
    AffiliationOut,
    FacilityRefOut,
    MeOut,
    RolesOut,
    SignedOutOut,
)
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.facilities.models import FacilityKind
from renkei.facilities.queries import my_affiliations

router = Router(tags=["me"])


@router.get("/me", response={200: MeOut, **errors(401, 403)})
def get_me(request: HttpRequest) -> MeOut:
    """The signed-in member, their roles and current registrations.

    The answer also sets the ``csrftoken`` cookie that POST, PATCH and DELETE echo in the
    ``X-CSRFToken`` header.
    """
    member = member_of(request)
    get_token(request)
    return MeOut(
        public_id=member.public_id,
        login_id=member.login_id,
        name=member.name,
        furigana=member.furigana,
        profession=Profession(member.profession),
        email=member.email,
        roles=RolesOut(secretariat=member.is_secretariat, operator=member.is_operator),
        affiliations=[
            AffiliationOut(
                facility=FacilityRefOut(
                    public_id=row.facility.public_id,
                    name=row.facility.name,
                    kind=FacilityKind(row.facility.kind),
                ),
                number=row.number,
                registered_on=row.registered_on,
                is_admin=row.is_admin,
                is_manager=row.is_manager,
            )
            for row in my_affiliations(member)
        ],
    )


@router.post("/me/sign-out-everywhere", response={200: SignedOutOut, **errors(401, 403)})
def sign_out_everywhere(request: HttpRequest) -> SignedOutOut:
    """End every session of the signed-in member on every device, this one included."""
    ended = account_actions.sign_out_everywhere(member_of(request))
    # This session ended too: forget it here, or the session layer would try to save a session
    # that no longer exists (after the request changed it) and answer 400 instead of this.
    request.session.flush()
    return SignedOutOut(ended=ended)
