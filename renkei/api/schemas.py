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
from renkei.attachments.models import AttachmentKind
from renkei.facilities.models import FacilityKind, FacilityState
from renkei.notifications.models import NotificationKind
from renkei.spaces.models import MembershipState, Sex, SpaceKind, SpaceState


class GuardMatchOut(Schema):
    kind: str = Field(description="name, birth_date, address, phone or insurance_number.")
    label: str = Field(description="The kind in the request's language.")
    text: str = Field(description="The text found, as written.")
    start: int = Field(description="Where it starts in the field (characters).")
    end: int
    field: str = Field(description="body, or attachments for a file name.")


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in the request's language.")
    code: str = Field(description="A stable code, e.g. not_found, rule_violation.")
    errors: dict[str, list[str]] | None = Field(
        None, description="For validation_failed: the messages for each field."
    )
    rule: str | None = Field(None, description="For rule_violation: the rule id of RULES.md.")
    matches: list[GuardMatchOut] | None = Field(
        None,
        description="For personal_information and confirm_personal_information (R2.6): what "
        "looked like a patient's personal information.",
    )
    patient_link: str | None = Field(
        None,
        description="With matches: where to write it instead (the patient group of the patient "
        "found if you are its member, else the patient list).",
    )


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


# --- spaces --------------------------------------------------------------------------------


class MemberRefOut(Schema):
    """A member as spaces and posts name them (the live connection's member shape)."""

    id: uuid.UUID
    name: str
    profession: Profession
    profession_label: str = Field(description="The profession in the request's language.")


class CandidateOut(MemberRefOut):
    furigana: str


class PatientIn(InputSchema):
    """The header of a patient group: who the patient is and who cares for them."""

    name: str = Field(description="Full name, at most 60 characters.")
    furigana: str = Field(description="The name in hiragana.")
    birth_date: date
    sex: str = Field(json_schema_extra={"enum": list(Sex.values)})
    address: str = ""
    phone: str = Field("", description="Half-width digits and hyphens.")
    key_person: str = Field("", description="The family member or other person to contact.")
    care_level: str = Field("", description="e.g. 要介護3.")
    primary_doctor: str = ""


class PatientOut(Schema):
    name: str
    furigana: str
    birth_date: date
    sex: Sex
    address: str
    phone: str
    key_person: str
    care_level: str
    primary_doctor: str
    updated_at: datetime


class SpaceOut(Schema):
    """A space as its member sees it in the space list."""

    id: uuid.UUID
    kind: SpaceKind = Field(
        description="R2.6: patient_group (患者グループ), group (グループ), connection (つながり)."
    )
    name: str = Field(description="A group's name; empty for patient groups and connections.")
    state: SpaceState
    membership: MembershipState = Field(
        description="active, or invited for a connection request waiting for your answer."
    )
    is_admin: bool = Field(description="Whether you are an admin of the space.")
    unread: int = Field(description="Posts by others after your read mark.")
    last_activity_at: datetime
    lead_facility: FacilityRefOut | None = Field(description="A patient group's lead facility.")
    patient: PatientOut | None = Field(description="A patient group's patient header.")
    partner: MemberRefOut | None = Field(description="The other member of a connection.")
    invited_by: MemberRefOut | None


class SpaceMemberOut(MemberRefOut):
    furigana: str
    is_admin: bool
    joined_at: datetime | None
    facility: FacilityRefOut | None = Field(
        description="The facility through which the member takes part in a patient group."
    )


class MembershipOut(Schema):
    """Your membership after leaving a space or declining a connection."""

    space: uuid.UUID
    state: MembershipState


class GroupIn(InputSchema):
    name: str = Field(description="At most 100 characters.")
    members: list[uuid.UUID] = Field(
        default_factory=list, description="Members to add, of any profession or facility."
    )


class GroupRenameIn(InputSchema):
    name: str = Field(description="At most 100 characters.")


class MembersIn(InputSchema):
    members: list[uuid.UUID] = Field(description="The members to add or invite.")


class ConnectionIn(InputSchema):
    member: uuid.UUID = Field(description="The member to ask for a connection.")


class PatientGroupIn(InputSchema):
    lead_facility: uuid.UUID = Field(
        description="Your facility that mainly supports the patient (R3.1)."
    )
    patient: PatientIn


# --- timeline ------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: uuid.UUID
    kind: AttachmentKind
    name: str
    content_type: str
    size: int = Field(description="Bytes.")
    url: str = Field(description="Served to the space's members only, with the session.")
    thumbnail_url: str | None


# Times of a post are ISO 8601 text exactly as the live connection sends them.
IsoTime = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
OptionalIsoTime = Annotated[
    str | None, WithJsonSchema({"type": ["string", "null"], "format": "date-time"})
]


class PostOut(Schema):
    """A post or reply: the one shape the API, the live connection and the pages share.

    A deleted post keeps its place as a trace, without text or files.
    """

    id: uuid.UUID
    space: uuid.UUID
    parent: uuid.UUID | None = Field(description="For a reply, the post it answers.")
    author: MemberRefOut | None
    body: str
    created_at: IsoTime
    edited_at: OptionalIsoTime
    deleted: bool
    ack_required: bool = Field(description="Whether the author asked named members for 了解.")
    ack_count: int
    acked_by_me: bool
    read_count: int = Field(description="Members other than the author who have read it.")
    reply_count: int
    outstanding_acks: list[MemberRefOut] = Field(
        description="Members asked for 了解 who have not given it yet."
    )
    attachments: list[AttachmentOut]
    client_id: str | None = Field(
        description="The id your client chose when sending; only for your own posts."
    )


class TimelineOut(Schema):
    posts: list[PostOut]
    next_before: uuid.UUID | None = Field(
        description="Pass as before for the next, older page; null on the last page."
    )
    next_after: uuid.UUID | None = Field(
        description="When catching up: pass as after for the rest; null when caught up."
    )
    member_count: int


class PostIn(InputSchema):
    body: str = Field(description="The text; its greatest length is the policy's post_max_chars.")
    client_id: str = Field(
        description="Chosen by the client (8-64 letters, digits, - or _, e.g. a UUID): a send "
        "retried with the same id returns the post it made (200) instead of a second one."
    )
    parent: uuid.UUID | None = Field(None, description="Reply under this post.")
    ack_from: list[uuid.UUID] = Field(
        default_factory=list, description="Members of the space asked for 了解 (R3.3②)."
    )
    confirm: bool = Field(
        False,
        description="R2.6: in a connection, send even though the text or a file name looks "
        "like a patient's personal information (the first send answers 409 "
        "confirm_personal_information with the matches). Groups refuse such posts whatever "
        "this says.",
    )


class PostFormIn(PostIn):
    """A post with files, sent as multipart/form-data: the fields of a post (``ack_from``
    repeated, once per member) and ``files`` repeated, once per file."""

    body: str = Field("", description="The text; may be empty when files are attached.")
    photo_consent: bool = Field(
        False,
        description="R3.3④: in a patient group, the patient agreed to the photos of this post "
        "(asked each time). Photos in a patient group are refused without it.",
    )


class PostEditIn(InputSchema):
    body: str
    confirm: bool = Field(False, description="As for a new post (R2.6).")


class PostVersionOut(Schema):
    body: str
    written_at: datetime
    replaced_at: datetime


class AckOut(Schema):
    member: MemberRefOut
    at: datetime


class AckStatusOut(Schema):
    """Who acknowledged a post (R3.3②), who has not yet, and whom the author asked."""

    acknowledged: list[AckOut]
    not_yet: list[MemberRefOut] = Field(description="Active members other than the author.")
    requested: list[MemberRefOut]


class ReadIn(InputSchema):
    up_to: uuid.UUID = Field(description="The newest post you have read.")


# --- search --------------------------------------------------------------------------------


class SpaceRefOut(Schema):
    """Where a post is: enough to show and open its space."""

    id: uuid.UUID
    kind: SpaceKind
    name: str = Field(description="A group's name; empty for patient groups and connections.")
    patient_name: str | None = Field(description="For a patient group, the patient's name.")
    partner: MemberRefOut | None = Field(description="For a connection, the other member.")


class FoundAttachmentOut(Schema):
    id: uuid.UUID
    name: str
    name_html: str = Field(description="The name, HTML-escaped, with <mark> around the words.")
    url: str


class SearchHitOut(Schema):
    post: uuid.UUID = Field(description="Open it with GET /posts/{public_id}.")
    parent: uuid.UUID | None = Field(description="For a reply, the post it answers.")
    space: SpaceRefOut
    author: MemberRefOut | None
    created_at: datetime
    snippet_html: str = Field(
        description="The text around the hit, HTML-escaped, with <mark> around the words."
    )
    attachments: list[FoundAttachmentOut] = Field(
        description="Attachments of the post whose names contain the words."
    )


class SearchResultsOut(Schema):
    query: str
    terms: list[str] = Field(description="The words searched for (at most five).")
    hits: list[SearchHitOut]
    next_offset: int | None = Field(description="Pass as offset for more; null at the end.")


# --- notifications -------------------------------------------------------------------------


class NotificationOut(Schema):
    """Something new for you in a space. An e-mail never says more than that there is
    something new; the text here is for you only."""

    kind: NotificationKind
    kind_label: str
    text: str = Field(description="What happened, in one sentence in the request's language.")
    created_at: datetime
    read: bool
    space: SpaceRefOut
    post: uuid.UUID | None = Field(description="The post it is about, if any.")
    actor: MemberRefOut | None = Field(description="Who did it; null for a former member.")


class NotificationsOut(Schema):
    unread: int = Field(description="All your unread notifications (the badge).")
    items: list[NotificationOut]
    next_offset: int | None = Field(description="Pass as offset for more; null at the end.")


class NotificationsReadIn(InputSchema):
    """Which notifications are read: all of yours, or those of one space or one post."""

    space: uuid.UUID | None = None
    post: uuid.UUID | None = None


class UnreadOut(Schema):
    unread: int = Field(description="Your unread notifications after the change.")


class EmailChoicesIn(InputSchema):
    """Whether you get e-mail about each kind of space."""

    patient_group: bool
    group: bool
    connection: bool


class EmailChoicesOut(Schema):
    patient_group: bool
    group: bool
    connection: bool
