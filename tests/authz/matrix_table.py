"""The authorisation matrix (R2.4): who may reach every page and every API operation.

One row per URL pattern name (pages) and per OpenAPI operation id (API). Each row says how to
build the request (method, path parameters taken from the matrix region in
``tests/authz/world.py``, body) and which of the eight roles are allowed; every other role is
denied with the row's ``deny`` status. ``tests/authz/test_matrix.py`` sends every row as every
role and fails when an answer differs from the table, when a route has no row, or when a row
names a route that no longer exists.

Adding a page or an API operation: add its row here (pages in ``PAGES`` keyed by
``namespace:name``, API operations in ``API`` keyed by operation id). Path parameters name keys
of the world (``W.pg``: the patient group, ...): see ``tests/authz/world.py`` for who is who.

The roles, as the world casts them:

- ``anonymous``: no session.
- ``other_member``: a plain member of another facility (the pharmacy), in no space below.
- ``member``: the clinic nurse: staff of the facility concerned (the clinic), member of the
  patient group, the group and the connection, author of the post, owner of the device and the
  notification.
- ``other_admin``: facility admin (and manager) of another facility (the pharmacy).
- ``facility_admin``: facility admin of the clinic (the lead facility of the patient group),
  member of no space.
- ``pg_admin``: a clinic care manager who is patient group admin of the patient group and a
  member of no other space.
- ``secretariat``: the secretariat (not the operator), member of no space.
- ``operator``: the operator (a secretariat role that executes complete deletions).

Outcomes (see ``test_matrix.py`` for the exact checks):

- allowed: a 2xx/3xx answer that is not a redirect to sign-in, or, for a write, an answer to
  the input (400/409/410/422 whose API code is not a permission code): the permission check
  was passed; ``ends_session`` rows must end the session; ``shows``/``sees`` rows must show the
  object exactly to the roles that may see it;
- denied: exactly ``deny`` (404 by default: never revealing that an object exists), and for a
  write nothing changed (every row of every product table compared before and after);
- refused (``refused``: roles that may see the object but not do this): 403 from the API; on a
  page 403 or the form back with an error message; nothing changed;
- anonymous: a 302 to the sign-in page (pages) or 401 (API), unless the row is public.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES: tuple[str, ...] = (
    "anonymous",
    "other_member",
    "member",
    "other_admin",
    "facility_admin",
    "pg_admin",
    "secretariat",
    "operator",
)
SIGNED_IN: frozenset[str] = frozenset(ROLES) - {"anonymous"}
EVERYONE: frozenset[str] = frozenset(ROLES)
SECRETARIAT: frozenset[str] = frozenset({"secretariat", "operator"})
# Staff of the facility concerned (the clinic) and the secretariat.
CLINIC_STAFF: frozenset[str] = frozenset({"member", "facility_admin", "pg_admin"})
# Members of the patient group (the lead facility's admin is not one).
PG_MEMBERS: frozenset[str] = frozenset({"member", "pg_admin"})
# Those who manage the patient group (R3.1): its admins and the lead facility's admins.
PG_MANAGERS: frozenset[str] = frozenset({"pg_admin", "facility_admin"})

GET, POST, PUT, PATCH, DELETE = "GET", "POST", "PUT", "PATCH", "DELETE"
NOT_FOUND = 404
FORBIDDEN = 403
# Anonymous outcomes.
SIGN_IN = "sign_in"  # 302 to /signin/?next=...
UNAUTHORISED = 401
PUBLIC = "public"  # allowed without a session


@dataclass(frozen=True)
class Row:
    """How to call one page or API operation and who may."""

    method: str
    params: dict[str, str] = field(default_factory=dict)  # path parameter -> world key
    allow: frozenset[str] = frozenset()
    deny: int = NOT_FOUND
    anonymous: str | int = SIGN_IN
    data: dict[str, Any] | None = None  # form fields or JSON body
    query: str = ""  # query string appended to the path
    # Roles that see the object and are refused the action: 403 (or, for a page, the form back
    # with an error message), nothing changed.
    refused: frozenset[str] = frozenset()
    multipart: bool = False  # a form with a file (``data`` values "file:pdf" become one)
    ends_session: bool = False  # allowed roles are signed out (302 to sign-in, session ended)
    # A list scoped to the viewer: ``shows`` (a world key) appears in the answer exactly for
    # the allowed roles in ``sees``.
    shows: str = ""
    sees: frozenset[str] = frozenset()
    rules: tuple[str, ...] = ()
    note: str = ""

    @property
    def is_write(self) -> bool:
        return self.method != GET


def _sets(kw: dict[str, Any]) -> dict[str, Any]:
    for name in ("refused", "sees"):
        if name in kw:
            kw[name] = frozenset(kw[name])
    return kw


def page(method: str = GET, *, allow: frozenset[str] | set[str] = frozenset(), **kw: Any) -> Row:
    return Row(method, allow=frozenset(allow), **_sets(kw))


def public(method: str = GET, **kw: Any) -> Row:
    return Row(method, allow=SIGNED_IN, anonymous=PUBLIC, **_sets(kw))


def api(method: str = GET, *, allow: frozenset[str] | set[str] = frozenset(), **kw: Any) -> Row:
    kw.setdefault("anonymous", UNAUTHORISED)
    return Row(method, allow=frozenset(allow), **_sets(kw))


SPACE = {"space_id": "pg"}
FAC = {"public_id": "facility"}
POST_ = {"post_id": "post"}
TOMBSTONE_READERS = frozenset({"operator", "facility_admin", "pg_admin"})
CONSENT_FORM = {"consented_on": "2026-04-01", "signer": "patient", "document": "file:pdf"}
DELETION_REQUEST = {
    "requester": "family",
    "relationship": "長男",
    "asked_on": "2026-04-01",
    "channel": "phone",
}
PATIENT = {
    "name": "朝霞 花子",
    "furigana": "あさか はなこ",
    "birth_date": "1938-05-12",
    "sex": "female",
    "address": "埼玉県朝霞市本町1-2-3",
    "phone": "048-123-4567",
    "key_person": "長男 朝霞 一郎",
    "care_level": "要介護3",
    "primary_doctor": "山田 一郎",
}
# R3.1/R3.3: admins who are not members read nothing of a patient group.
NEED_TO_KNOW = ("R2.4", "R3.1", "R3.3①")

PAGES: dict[str, Row] = {
    # --- Public pages and the account --------------------------------------------------------
    "healthz": public(),
    "set_language": public(POST, data={"language": "ja", "next": "/"}),
    "home": page(allow=SIGNED_IN),
    "help": public(),
    "guide:index": public(),
    "guide:topic": public(params={"slug": "guide_topic"}),
    "accounts:sign_in": public(),
    "accounts:sign_out": page(POST, allow=SIGNED_IN, ends_session=True),
    "accounts:sign_out_everywhere": page(POST, allow=SIGNED_IN, ends_session=True),
    "accounts:change_password": page(allow=SIGNED_IN),
    "accounts:reset_request": public(),
    "accounts:reset_sent": public(),
    "accounts:reset_confirm": public(params={"token": "reset_token"}),
    "accounts:activate": public(params={"token": "activation_token"}),
    # One's own sessions and the confirmation before sensitive actions (R2.3). A session
    # id that is not one's own open session is not found, whoever asks.
    "accounts:sessions": page(allow=SIGNED_IN),
    "accounts:end_session": page(POST, params={"session_id": "member"}, rules=("R2.3",)),
    "accounts:confirm": page(allow=SIGNED_IN),
    "facilities:apply": public(),
    "facilities:apply_done": public(),
    # --- Two-factor sign-in (R2.3) ------------------------------------------------------------
    # The second step answers in place when no sign-in is pending (nobody in the matrix is).
    "twofactor:verify": public(),
    "twofactor:verify_passkey_options": public(POST),
    "twofactor:verify_passkey": public(POST),
    # One's own factors: everyone signed in manages their own and nobody else's.
    "twofactor:overview": page(allow=SIGNED_IN),
    "twofactor:add_totp": page(allow=SIGNED_IN),
    "twofactor:remove_totp": page(POST, allow=SIGNED_IN, data={"password": "wrong"}),
    "twofactor:add_passkey_options": page(POST, allow=SIGNED_IN),
    "twofactor:add_passkey": page(POST, allow=SIGNED_IN, data={"credential": "{}"}),
    "twofactor:remove_passkey": page(
        POST, params={"passkey_id": "notification"}, allow=SIGNED_IN, data={"password": "wrong"}
    ),
    "twofactor:codes": page(allow=SIGNED_IN),
    "twofactor:regenerate_codes": page(POST, allow=SIGNED_IN, data={"password": "wrong"}),
    # A facility admin resets the factors of its own staff; the secretariat, anyone's.
    "twofactor:reset": page(
        params={"public_id": "member"},
        allow={"facility_admin", "secretariat", "operator"},
        rules=("R2.3", "R2.10"),
    ),
    "api:openapi-json": public(),
    "api:openapi-view": public(),
    # The API's root serves nothing: 404 to everyone signed in.
    "api:api-root": page(anonymous=UNAUTHORISED),
    # --- Devices (R2.5) -----------------------------------------------------------------------
    "devices:own": page(allow=SIGNED_IN),
    "devices:rename": page(
        POST, params={"device_id": "device"}, allow={"member"}, data={"label": "受付PC"}
    ),
    "devices:report_own_lost": page(POST, params={"device_id": "device"}, allow={"member"}),
    "devices:facility": page(params=FAC, allow={"facility_admin"}, rules=("R2.4", "R2.10")),
    "devices:facility_lost": page(
        POST,
        params={**FAC, "device_id": "device"},
        allow={"facility_admin"},
        rules=("R2.4", "R2.5"),
    ),
    "devices:facility_cut_off": page(
        POST,
        params={**FAC, "device_id": "device"},
        allow={"facility_admin"},
        rules=("R2.4", "R2.5"),
    ),
    # --- Facilities (R2.8, R2.10) -------------------------------------------------------------
    "facilities:detail": page(params=FAC, allow=CLINIC_STAFF | SECRETARIAT),
    "facilities:register_staff": page(
        POST, params=FAC, allow={"facility_admin"}, data={}, rules=("R2.4", "R2.10")
    ),
    "facilities:withdraw": page(POST, params=FAC, allow=SECRETARIAT, data={}),
    "facilities:audit": page(params=FAC, allow={"facility_admin"} | SECRETARIAT),
    "facilities:invitations": page(params=FAC, allow={"facility_admin"}, rules=("R2.4", "R2.10")),
    "facilities:approve_invitation": page(
        POST,
        params={**FAC, "space_id": "invite_group", "member_id": "member"},
        allow={"facility_admin"},
        rules=("R2.4", "R2.10"),
    ),
    "facilities:decline_invitation": page(
        POST,
        params={**FAC, "space_id": "invite_group", "member_id": "member"},
        allow={"facility_admin"},
        rules=("R2.4", "R2.10"),
    ),
    "facilities:remove_from_space": page(
        POST,
        params={**FAC, "space_id": "group", "member_id": "member"},
        allow={"facility_admin"},
        rules=("R2.4", "R2.10"),
    ),
    # A staff member's page: the member, the facility's admins and the secretariat.
    "facilities:member": page(
        params={**FAC, "member_public_id": "member"},
        allow={"member", "facility_admin"} | SECRETARIAT,
    ),
    "facilities:deregister": page(
        POST, params={**FAC, "member_public_id": "member"}, allow={"facility_admin"}, data={}
    ),
    "facilities:resend_activation": page(
        POST,
        params={**FAC, "member_public_id": "newcomer"},
        allow={"facility_admin"} | SECRETARIAT,
        rules=("R2.4", "R2.10"),
    ),
    "facilities:appoint_admin": page(
        POST, params={**FAC, "member_public_id": "member"}, allow=SECRETARIAT, rules=("R2.8",)
    ),
    "facilities:revoke_admin": page(
        POST,
        params={**FAC, "member_public_id": "admin_target"},
        allow=SECRETARIAT,
        rules=("R2.8",),
    ),
    # --- Spaces (R2.6, R3.1) -----------------------------------------------------------------
    "spaces:list": page(allow=SIGNED_IN, shows="pg", sees=PG_MEMBERS, rules=NEED_TO_KNOW),
    "spaces:new_group": page(allow=SIGNED_IN),
    "spaces:new_patient_group": page(allow=SIGNED_IN),
    "spaces:request_connection": page(POST, allow=SIGNED_IN, data={}),
    "spaces:space": page(params=SPACE, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "spaces:accept_connection": page(POST, params={"space_id": "conn_pending"}, allow={"member"}),
    "spaces:decline_connection": page(POST, params={"space_id": "conn_pending"}, allow={"member"}),
    "spaces:members": page(params=SPACE, allow=PG_MEMBERS | PG_MANAGERS, rules=("R2.4", "R3.1")),
    "spaces:add_members": page(
        POST, params=SPACE, allow=PG_MANAGERS, refused={"member"}, data={}, rules=("R2.4", "R3.1")
    ),
    "spaces:remove_member": page(
        POST,
        params={**SPACE, "member_id": "member"},
        allow=PG_MANAGERS,
        refused={"member"},
        rules=("R2.4", "R3.1"),
    ),
    "spaces:appoint_admin": page(
        POST,
        params={**SPACE, "member_id": "member"},
        allow=PG_MANAGERS,
        refused={"member"},
        rules=("R2.4", "R3.4"),
    ),
    "spaces:revoke_admin": page(
        POST,
        params={**SPACE, "member_id": "pg_admin_member"},
        allow=PG_MANAGERS,
        refused={"member"},
        rules=("R2.4", "R3.4"),
    ),
    "spaces:archive": page(
        POST, params=SPACE, allow={"pg_admin"}, refused={"member"}, rules=("R2.4", "R3.5")
    ),
    "spaces:restore": page(
        POST, params=SPACE, allow={"pg_admin"}, refused={"member"}, rules=("R2.4", "R3.5")
    ),
    "spaces:rename": page(POST, params={"space_id": "group"}, allow={"member"}, data={"name": "x"}),
    "spaces:leave": page(POST, params={"space_id": "group"}, allow={"member"}),
    "spaces:patient_record": page(params=SPACE, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    # --- Timeline -----------------------------------------------------------------------------
    "timeline:create_post": page(
        POST,
        params=SPACE,
        allow=PG_MEMBERS,
        data={"body": "本日訪問しました。"},
        rules=NEED_TO_KNOW,
    ),
    "timeline:read": page(
        POST, params=SPACE, allow=PG_MEMBERS, data={"up_to": "@post"}, rules=NEED_TO_KNOW
    ),
    "timeline:post": page(params=POST_, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "timeline:reply": page(
        POST, params=POST_, allow=PG_MEMBERS, data={"body": "承知しました。"}, rules=NEED_TO_KNOW
    ),
    "timeline:edit": page(
        POST,
        params=POST_,
        allow={"member"},
        refused={"pg_admin"},
        data={"body": "訂正します。"},
        rules=NEED_TO_KNOW,
    ),
    "timeline:delete": page(POST, params=POST_, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "timeline:ack": page(POST, params=POST_, allow=PG_MEMBERS, rules=("R2.4", "R3.3②")),
    "timeline:acks": page(params=POST_, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "timeline:versions": page(params=POST_, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "attachments:download": page(
        params={"public_id": "file"}, allow=PG_MEMBERS, rules=("R2.4", "R3.1", "R3.3③")
    ),
    "attachments:thumbnail": page(
        params={"public_id": "file"}, allow=PG_MEMBERS, rules=("R2.4", "R3.1", "R3.3③")
    ),
    # --- Consent (R3.2) -----------------------------------------------------------------------
    # Members see whether the patient consented; its managers record and withdraw it.
    "consents:consent": page(params=SPACE, allow=PG_MEMBERS | PG_MANAGERS, rules=("R2.4", "R3.2")),
    "consents:record": page(
        POST,
        params=SPACE,
        allow=PG_MANAGERS,
        refused={"member"},
        multipart=True,
        data=CONSENT_FORM,
        rules=("R3.2",),
    ),
    "consents:withdraw": page(
        POST,
        params=SPACE,
        allow=PG_MANAGERS,
        refused={"member"},
        data={"withdrawn_on": "2026-04-02", "note": ""},
        rules=("R3.2",),
    ),
    "consents:form4": page(params=SPACE, allow=PG_MANAGERS, rules=("R2.4", "R3.2")),
    "consents:document": page(
        params={**SPACE, "consent_id": "consent"}, allow=PG_MANAGERS, rules=("R2.4", "R3.2")
    ),
    # --- Pledges (R2.9) -----------------------------------------------------------------------
    "pledges:console": page(params=FAC, allow={"facility_admin"} | SECRETARIAT, rules=("R2.9",)),
    "pledges:form1": page(params=FAC, allow={"facility_admin"}, rules=("R2.9",)),
    "pledges:form3": page(params=FAC, allow={"facility_admin"} | SECRETARIAT, rules=("F3",)),
    "pledges:form3_signed": page(POST, params=FAC, allow={"facility_admin"}, data={}),
    "pledges:form3_document": page(
        params={**FAC, "agreement_id": "agreement"}, allow={"facility_admin"} | SECRETARIAT
    ),
    "pledges:form2": page(
        params={**FAC, "member_id": "member"}, allow={"facility_admin"}, rules=("R2.9",)
    ),
    "pledges:signed_manager": page(
        POST, params={**FAC, "form": "form_manager"}, allow={"facility_admin"}, data={}
    ),
    "pledges:signed": page(
        POST,
        params={**FAC, "form": "form_staff", "member_id": "member"},
        allow={"facility_admin"},
        data={},
    ),
    "pledges:on_file_manager": page(
        POST, params={**FAC, "form": "form_manager"}, allow={"facility_admin"}, data={}
    ),
    "pledges:on_file": page(
        POST,
        params={**FAC, "form": "form_staff", "member_id": "member"},
        allow={"facility_admin"},
        data={},
    ),
    "pledges:document": page(
        params={**FAC, "pledge_id": "pledge"}, allow={"facility_admin"} | SECRETARIAT
    ),
    "pledges:education": page(POST, params=FAC, allow={"facility_admin"}, data={}),
    # --- Secretariat console (R1.1) -----------------------------------------------------------
    "console:index": page(allow=SECRETARIAT),
    "console:compliance": page(params={"check_id": "compliance_check"}, allow=SECRETARIAT),
    "console:applications": page(allow=SECRETARIAT, rules=("R2.4", "R1.1")),
    "console:application": page(
        params={"public_id": "application"}, allow=SECRETARIAT, rules=("R2.4", "R1.1")
    ),
    "console:facilities": page(allow=SECRETARIAT),
    "console:facility": page(params=FAC, allow=SECRETARIAT),
    "console:facility_staff": page(
        POST, params={**FAC, "which": "staff_action"}, allow=SECRETARIAT, data={}
    ),
    "console:withdraw": page(POST, params=FAC, allow=SECRETARIAT, data={}),
    "console:policy": page(allow=SECRETARIAT),
    # An unknown preset: the secretariat gets the policy page with the error (422).
    "console:apply_policy_preset": page(
        POST, params={"key": "compliance_check"}, allow=SECRETARIAT, rules=("R2.2",)
    ),
    "console:audit": page(allow=SECRETARIAT),
    "console:exports": page(allow=SECRETARIAT),
    "console:export": page(params={"public_id": "export"}, allow=SECRETARIAT),
    "console:export_download": page(params={"public_id": "export"}, allow=SECRETARIAT),
    # --- Problem reports (R2.10, R3.5) --------------------------------------------------------
    "reports:mine": page(allow=SIGNED_IN),
    "reports:inbox": page(allow=SECRETARIAT),
    "reports:new_for_facility": page(
        POST, params=FAC, allow={"facility_admin"}, data={}, rules=("R2.4", "R2.10")
    ),
    "reports:new_for_space": page(
        POST, params={"public_id": "pg"}, allow={"pg_admin"}, data={}, rules=("R3.5",)
    ),
    "reports:detail": page(params={"public_id": "report"}, allow={"facility_admin"} | SECRETARIAT),
    "reports:comment": page(
        POST, params={"public_id": "report"}, allow={"facility_admin"} | SECRETARIAT, data={}
    ),
    "reports:status": page(POST, params={"public_id": "report"}, allow=SECRETARIAT, data={}),
    # --- Search and notifications -------------------------------------------------------------
    "search:index": page(
        allow=SIGNED_IN, query="?q=訪問", shows="post", sees=PG_MEMBERS, rules=NEED_TO_KNOW
    ),
    "notifications:index": page(allow=SIGNED_IN),
    "notifications:mark_all_read": page(POST, allow=SIGNED_IN),
    "notifications:settings": page(allow=SIGNED_IN),
    "notifications:open": page(params={"notification_id": "notification"}, allow={"member"}),
    "notifications:mark_read": page(
        POST, params={"notification_id": "notification"}, allow={"member"}
    ),
    # --- Complete deletion (R3.5) -------------------------------------------------------------
    "erasure:request": page(
        POST, params={"space_id": "pg"}, allow=PG_MANAGERS, data={}, rules=("R2.4", "R3.5")
    ),
    "erasure:withdraw": page(
        POST, params={"space_id": "pg_del"}, allow=PG_MANAGERS, rules=("R2.4", "R3.5")
    ),
    "erasure:queue": page(allow={"operator"}, rules=("R2.4", "R3.5")),
    "erasure:execute": page(
        POST, params={"request_id": "deletion_request"}, allow={"operator"}, data={}
    ),
    "erasure:tombstones": page(
        allow=SIGNED_IN,
        shows="tombstone",
        sees=TOMBSTONE_READERS,
        rules=("R2.4", "R3.5"),
    ),
    "erasure:tombstone": page(
        params={"space_id": "tombstone"}, allow=TOMBSTONE_READERS, rules=("R2.4", "R3.5")
    ),
    "erasure:certificate": page(
        params={"space_id": "tombstone"}, allow=TOMBSTONE_READERS, rules=("R2.4", "R3.5")
    ),
}

PG = {"public_id": "pg"}
FACILITY = {"public_id": "facility"}
POST_ID = {"public_id": "post"}
JSON_PERSON = {"name": "", "furigana": "", "profession": "nurse", "email": ""}

API: dict[str, Row] = {
    # --- Me and the account -------------------------------------------------------------------
    "get_me": api(allow=SIGNED_IN),
    "sign_out_everywhere": api(POST, allow=SIGNED_IN),
    "list_my_sessions": api(allow=SIGNED_IN),
    "end_my_session": api(DELETE, params={"public_id": "member"}, rules=("R2.3",)),
    "confirm_me": api(POST, allow=SIGNED_IN, data={"password": "wrong"}),
    "list_my_devices": api(allow=SIGNED_IN),
    # --- Second factors (R2.3, R2.10) ---------------------------------------------------------
    "my_second_factor": api(allow=SIGNED_IN),
    # The target is the clinic's doctor, who acts in no cell: resetting him ends no session here.
    "reset_member_second_factor": api(
        POST,
        params={"public_id": "group_other"},
        allow={"facility_admin", "secretariat", "operator"},
        rules=("R2.3", "R2.10"),
    ),
    "report_my_device_lost": api(POST, params={"device_id": "device"}, allow={"member"}),
    # --- Applications (R1.1) --------------------------------------------------------------------
    "apply_to_join": api(POST, allow=SIGNED_IN, anonymous=PUBLIC, data={}, rules=("R1.1",)),
    "list_applications": api(
        allow=SIGNED_IN, shows="application", sees=SECRETARIAT, rules=("R2.4", "R1.1")
    ),
    "get_application": api(params={"public_id": "application"}, allow=SECRETARIAT),
    "accept_application": api(POST, params={"public_id": "application"}, allow=SECRETARIAT),
    "reject_application": api(
        POST, params={"public_id": "application"}, allow=SECRETARIAT, data={"reason": "不備"}
    ),
    # --- Facilities and staff (R2.8, R2.10) -----------------------------------------------------
    "list_facilities": api(allow=SIGNED_IN),
    # The directory of facilities (name, address, telephone) is open to every member.
    "get_facility": api(params=FACILITY, allow=SIGNED_IN),
    "list_staff": api(params=FACILITY, allow=CLINIC_STAFF | SECRETARIAT),
    "register_staff": api(
        POST, params=FACILITY, allow={"facility_admin"}, data=JSON_PERSON, rules=("R2.4", "R2.10")
    ),
    "deregister_staff": api(
        POST,
        params={**FACILITY, "member_public_id": "member"},
        allow={"facility_admin"},
        rules=("R2.4", "R2.10"),
    ),
    "appoint_admin": api(
        POST, params={**FACILITY, "member_public_id": "member"}, allow=SECRETARIAT, rules=("R2.8",)
    ),
    "revoke_admin": api(
        DELETE,
        params={**FACILITY, "member_public_id": "admin_target"},
        allow=SECRETARIAT,
        rules=("R2.8",),
    ),
    "list_invitations": api(params=FACILITY, allow={"facility_admin"}, rules=("R2.4", "R2.10")),
    "approve_invitation": api(
        POST,
        params={**FACILITY, "space_id": "invite_group", "member_id": "member"},
        allow={"facility_admin"},
        rules=("R2.4", "R2.10"),
    ),
    "decline_invitation": api(
        POST,
        params={**FACILITY, "space_id": "invite_group", "member_id": "member"},
        allow={"facility_admin"},
        data={"reason": ""},
        rules=("R2.4", "R2.10"),
    ),
    "list_staff_spaces": api(params=FACILITY, allow={"facility_admin"}, rules=("R2.4", "R2.10")),
    "remove_staff_from_space": api(
        DELETE,
        params={**FACILITY, "space_id": "group", "member_id": "member"},
        allow={"facility_admin"},
        rules=("R2.4", "R2.10"),
    ),
    "list_led_patient_groups": api(params=FACILITY, allow={"facility_admin"}, rules=("R3.1",)),
    "list_facility_devices": api(
        params={"facility_id": "facility"}, allow={"facility_admin"}, rules=("R2.4", "R2.10")
    ),
    "report_staff_device_lost": api(
        POST,
        params={"facility_id": "facility", "device_id": "device"},
        allow={"facility_admin"},
        rules=("R2.4", "R2.5"),
    ),
    "cut_off_staff_device": api(
        POST,
        params={"facility_id": "facility", "device_id": "device"},
        allow={"facility_admin"},
        rules=("R2.4", "R2.5"),
    ),
    # --- Policy and audit ---------------------------------------------------------------------
    "get_policy": api(allow=SIGNED_IN),
    # The policy is read by everyone: refusing its change need not hide it.
    "patch_policy": api(PATCH, allow=SECRETARIAT, deny=FORBIDDEN, data={}),
    "list_policy_presets": api(allow=SIGNED_IN),
    "apply_policy_preset": api(
        POST, params={"key": "compliance_check"}, allow=SECRETARIAT, deny=FORBIDDEN
    ),
    # Scoped: the secretariat's whole trail, a facility admin's facilities, nothing for others.
    "list_audit_events": api(
        allow=SIGNED_IN, shows="pg", sees={"facility_admin"} | SECRETARIAT, rules=("R2.4",)
    ),
    # --- Spaces (R2.6, R3.1) ------------------------------------------------------------------
    "list_spaces": api(allow=SIGNED_IN, shows="pg", sees=PG_MEMBERS, rules=NEED_TO_KNOW),
    "get_space": api(params=PG, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "list_space_members": api(params=PG, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "add_space_members": api(
        POST, params={"public_id": "group"}, allow={"member"}, data={"members": ["@newcomer"]}
    ),
    "remove_space_member": api(
        DELETE,
        params={"public_id": "group", "member_public_id": "group_other"},
        allow={"member"},
    ),
    "leave_space": api(POST, params={"public_id": "group"}, allow={"member"}),
    "create_group": api(POST, allow=SIGNED_IN, data={"name": "", "member_ids": []}),
    "rename_group": api(PATCH, params={"public_id": "group"}, allow={"member"}, data={"name": "x"}),
    "request_connection": api(POST, allow=SIGNED_IN, data={}),
    "accept_connection": api(POST, params={"public_id": "conn_pending"}, allow={"member"}),
    "decline_connection": api(POST, params={"public_id": "conn_pending"}, allow={"member"}),
    "create_patient_group": api(POST, allow=SIGNED_IN, data={}),
    "update_patient": api(
        PUT,
        params=PG,
        allow={"pg_admin"},
        refused={"member"},
        data=PATIENT,
        rules=("R2.4", "R3.5"),
    ),
    "find_members": api(allow=SIGNED_IN, query="?q=佐藤"),
    "list_patient_group_members": api(params=PG, allow=PG_MEMBERS | PG_MANAGERS, rules=("R3.1",)),
    "invite_to_patient_group": api(
        POST,
        params=PG,
        allow=PG_MANAGERS,
        refused={"member"},
        data={"members": ["@shared_nurse"]},
        rules=("R2.4", "R3.1"),
    ),
    "remove_from_patient_group": api(
        DELETE,
        params={**PG, "member_id": "member"},
        allow=PG_MANAGERS,
        refused={"member"},
        rules=("R2.4", "R3.1"),
    ),
    "appoint_patient_group_admin": api(
        POST,
        params=PG,
        allow=PG_MANAGERS,
        refused={"member"},
        data={"member": "@member"},
        rules=("R2.4", "R3.4"),
    ),
    "revoke_patient_group_admin": api(
        DELETE,
        params={**PG, "member_id": "pg_admin_member"},
        allow=PG_MANAGERS,
        refused={"member"},
        rules=("R2.4", "R3.4"),
    ),
    "archive_patient_group": api(
        POST, params=PG, allow={"pg_admin"}, refused={"member"}, rules=("R2.4", "R3.5")
    ),
    "restore_patient_group": api(
        POST, params=PG, allow={"pg_admin"}, refused={"member"}, rules=("R2.4", "R3.5")
    ),
    # --- Timeline -----------------------------------------------------------------------------
    "list_posts": api(params=PG, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "create_post": api(
        POST, params=PG, allow=PG_MEMBERS, data={"body": "本日訪問しました。"}, rules=NEED_TO_KNOW
    ),
    "get_post": api(params=POST_ID, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "edit_post": api(
        PATCH, params=POST_ID, allow={"member"}, refused={"pg_admin"}, data={"body": "訂正します。"}
    ),
    "delete_post": api(DELETE, params=POST_ID, allow=PG_MEMBERS),
    "list_post_versions": api(params=POST_ID, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "list_replies": api(params=POST_ID, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "acknowledge_post": api(POST, params=POST_ID, allow=PG_MEMBERS, rules=("R2.4", "R3.3②")),
    "list_acks": api(params=POST_ID, allow=PG_MEMBERS, rules=NEED_TO_KNOW),
    "mark_read": api(POST, params=PG, allow=PG_MEMBERS, data={"up_to": "@post"}),
    "search": api(
        allow=SIGNED_IN, query="?q=訪問", shows="post", sees=PG_MEMBERS, rules=NEED_TO_KNOW
    ),
    # --- Notifications ------------------------------------------------------------------------
    "list_notifications": api(allow=SIGNED_IN),
    "mark_notifications_read": api(POST, allow=SIGNED_IN, data={"ids": []}),
    "get_email_choices": api(allow=SIGNED_IN),
    "set_email_choices": api(PUT, allow=SIGNED_IN, data={}),
    # --- Consent (R3.2) -----------------------------------------------------------------------
    "get_consent": api(params=PG, allow=PG_MEMBERS | PG_MANAGERS, rules=("R2.4", "R3.2")),
    "record_consent": api(
        POST,
        params=PG,
        allow=PG_MANAGERS,
        refused={"member"},
        multipart=True,
        data=CONSENT_FORM,
        rules=("R3.2",),
    ),
    "withdraw_consent": api(
        POST,
        params=PG,
        allow=PG_MANAGERS,
        refused={"member"},
        data={"withdrawn_on": "2026-04-02", "note": ""},
        rules=("R3.2",),
    ),
    "get_consent_form": api(params=PG, allow=PG_MANAGERS, rules=("R3.2",)),
    "get_consent_document": api(params=PG, allow=PG_MANAGERS, rules=("R2.4", "R3.2")),
    # --- Complete deletion (R3.5) -------------------------------------------------------------
    "request_deletion": api(
        POST,
        params=PG,
        allow=PG_MANAGERS,
        data=DELETION_REQUEST,
        rules=("R2.4", "R3.5"),
    ),
    "withdraw_deletion_request": api(
        DELETE, params={"public_id": "pg_del"}, allow=PG_MANAGERS, rules=("R2.4", "R3.5")
    ),
    "list_deletion_requests": api(allow={"operator"}, rules=("R2.4", "R3.5")),
    "execute_deletion": api(
        POST, params={"public_id": "deletion_request"}, allow={"operator"}, rules=("R2.4", "R3.5")
    ),
    "get_tombstone": api(
        params={"public_id": "tombstone"}, allow=TOMBSTONE_READERS, rules=("R2.4", "R3.5")
    ),
    "get_deletion_certificate": api(
        params={"public_id": "tombstone"}, allow=TOMBSTONE_READERS, rules=("R2.4", "R3.5")
    ),
}
