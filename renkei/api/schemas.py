"""The shapes the API reads and writes; OpenAPI is generated from them.

Input fields are plain text where the domain checks them, so that every message about a value
comes from the one rule that owns it (renkei.accounts.validators, the actions); the allowed
values are still documented as enums.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ConfigDict, WithJsonSchema

from renkei.accounts.models import Profession
from renkei.facilities.models import FacilityKind, FacilityState


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in the request's language.")
    code: str = Field(description="A stable code, e.g. not_found, rule_violation.")
    errors: dict[str, list[str]] | None = Field(
        None, description="For validation_failed: the messages for each field."
    )
    rule: str | None = Field(None, description="For rule_violation: the rule id of RULES.md.")


class InputSchema(Schema):
    # Unknown fields are refused, so a misspelt field is not silently ignored.
    model_config = ConfigDict(extra="forbid")


# --- members -------------------------------------------------------------------------------


class FacilityRefOut(Schema):
    public_id: uuid.UUID
    name: str
    kind: FacilityKind


class AffiliationOut(Schema):
    facility: FacilityRefOut
    number: int = Field(description="The member's number on the facility's form-3 list.")
    registered_on: date
    is_admin: bool
    is_manager: bool


class RolesOut(Schema):
    secretariat: bool
    operator: bool


class MeOut(Schema):
    public_id: uuid.UUID
    login_id: str | None
    name: str
    furigana: str
    profession: Profession
    email: str
    roles: RolesOut
    affiliations: list[AffiliationOut] = Field(description="Current registrations only.")


class SignedOutOut(Schema):
    ended: int = Field(description="How many sessions ended, this one included.")


# --- facilities ----------------------------------------------------------------------------


class FacilityOut(Schema):
    public_id: uuid.UUID
    kind: FacilityKind
    name: str
    postal_code: str
    address: str
    tel: str
    fax: str
    manager_name: str
    state: FacilityState


class StaffOut(Schema):
    """One row of the facility's form-3 user list (誓約同意書)."""

    member_public_id: uuid.UUID
    number: int
    registered_on: date
    lost_on: date | None = Field(description="Loss-of-eligibility date (資格喪失日), if any.")
    name: str
    furigana: str
    profession: Profession
    email: str
    is_admin: bool
    is_manager: bool
    activated: bool = Field(description="Whether the person has activated the account.")


class PersonIn(InputSchema):
    name: str = Field(description="Full name, at most 60 characters.")
    furigana: str = Field(description="The name in hiragana.")
    profession: str = Field(json_schema_extra={"enum": list(Profession.values)})
    email: str


class DeregisterIn(InputSchema):
    lost_on: date | None = Field(None, description="Loss-of-eligibility date; today if omitted.")


# --- applications --------------------------------------------------------------------------


class ApplicationIn(InputSchema):
    """Form 3 (誓約同意書): the facility, its manager (listed first) and its users (R1.1)."""

    kind: str = Field(json_schema_extra={"enum": list(FacilityKind.values)})
    name: str
    postal_code: str = Field(description="Half-width digits, e.g. 351-0104.")
    address: str
    tel: str = Field(description="Half-width digits and hyphens, e.g. 048-465-6575.")
    fax: str = ""
    pledge_date: date | None = None
    manager: PersonIn
    users: list[PersonIn] = Field(default_factory=list)
    agreed_to_policy: bool = Field(
        False, description="The applicant confirms the operating policy and rules."
    )


class AppliedUserOut(Schema):
    number: int
    name: str
    furigana: str
    profession: Profession
    email: str
    is_manager: bool


class ApplicationReceiptOut(Schema):
    public_id: uuid.UUID
    name: str
    state: FacilityState
    applied_at: datetime


class ApplicationOut(FacilityOut):
    pledge_date: date
    applied_at: datetime
    decided_at: datetime | None
    rejection_reason: str
    users: list[AppliedUserOut]


class RejectIn(InputSchema):
    reason: str = Field(description="Mailed to the facility's manager.")


# --- policy --------------------------------------------------------------------------------


PolicyValue = bool | int | str
# Read as given and checked by the policy's own parser (renkei.policy.actions.parse_value), so
# that a wrong value gets the one message that setting's rule gives.
PolicyValueIn = Annotated[Any, WithJsonSchema({"type": ["boolean", "integer", "string"]})]


class PolicySettingOut(Schema):
    key: str
    rule: str = Field(description="The rule of RULES.md the setting serves.")
    label: str
    kind: str = Field(json_schema_extra={"enum": ["bool", "int", "str"]})
    value: PolicyValue
    default: PolicyValue
    minimum: int | None
    maximum: int | None


# --- audit ---------------------------------------------------------------------------------


class AuditEventOut(Schema):
    sequence: int = Field(description="The event's place in the append-only trail.")
    at: datetime
    action: int
    action_label: str
    actor_public_id: uuid.UUID | None
    actor_label: str
    object_type: str
    object_ref: str | None = Field(
        description="The public id of the member or facility, or the policy key; else null."
    )
    object_label: str
    facility_public_id: uuid.UUID | None
    ip: str | None
    detail: dict[str, object]


class AuditPageOut(Schema):
    count: int
    items: list[AuditEventOut]
