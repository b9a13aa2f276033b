"""R2.1: IDs are personal and a password is known only to its owner.

Stored only as an Argon2 hash; no admin page or API operation sets or reads a member's password
(only the owner's own pages and /me operations take one); reset links work once and expire; one
account per person (unique e-mail and login ID); signing in elsewhere ends other sessions only
when the member asks.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from renkei.accounts import actions, tokens
from renkei.accounts.models import Member, OneTimeToken, PasswordHistory, TokenPurpose, UserSession
from renkei.api.api import api
from renkei.errors import NotFound, ValidationFailed
from tests.support.region import PASSWORD

pytestmark = pytest.mark.rule("R2.1")

RENKEI = Path(__file__).resolve().parents[2] / "renkei"
NEW_PASSWORD = "Hoshizora2026kaze"


def test_passwords_are_stored_only_as_argon2_hashes(region):
    nurse = region.nurse
    actions.change_password(nurse, current=PASSWORD, new=NEW_PASSWORD, session_key=None)
    nurse.refresh_from_db()
    assert nurse.password.startswith("argon2$argon2id$")
    stored = [str(v) for v in Member.objects.filter(pk=nurse.pk).values().get().values()] + list(
        PasswordHistory.objects.filter(member=nurse).values_list("password", flat=True)
    )
    assert all(NEW_PASSWORD not in value and PASSWORD not in value for value in stored)
    assert all(
        h.startswith("argon2$")
        for h in PasswordHistory.objects.filter(member=nurse).values_list("password", flat=True)
    )


def _resolve(schema: dict[str, Any], node: Any) -> Any:
    if isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return schema["components"]["schemas"][name]
    return node


def _property_names(schema: dict[str, Any], node: Any, seen: set[int] | None = None) -> set[str]:
    """Every property name reachable from ``node`` through refs, arrays and combinations."""
    seen = seen if seen is not None else set()
    node = _resolve(schema, node)
    if not isinstance(node, dict) or id(node) in seen:
        return set()
    seen.add(id(node))
    names: set[str] = set()
    for name, sub in (node.get("properties") or {}).items():
        names.add(name.lower())
        names |= _property_names(schema, sub, seen)
    for key in ("items", "additionalProperties"):
        names |= _property_names(schema, node.get(key), seen)
    for key in ("anyOf", "allOf", "oneOf"):
        for sub in node.get(key) or []:
            names |= _property_names(schema, sub, seen)
    return names


def test_no_api_operation_reads_a_password_and_only_the_owner_sends_one(db):
    schema = api.get_openapi_schema()
    takers = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for response in (operation.get("responses") or {}).values():
                for content in (response.get("content") or {}).values():
                    names = _property_names(schema, content.get("schema"))
                    assert not any("password" in n or "hash" in n for n in names), (method, path)
            body = (operation.get("requestBody") or {}).get("content") or {}
            for content in body.values():
                if any("password" in n for n in _property_names(schema, content.get("schema"))):
                    takers.append((method, path))
    # Only operations on the signed-in member's own account may take a password.
    assert takers, "the confirmation operation takes the owner's password"
    assert all(path.startswith("/api/v1/me") for _method, path in takers), takers


def test_only_the_owners_own_forms_have_password_fields():
    users = {
        path.relative_to(RENKEI).as_posix()
        for path in RENKEI.rglob("*.py")
        if "PasswordInput" in path.read_text(encoding="utf-8")
    }
    assert users
    assert all(p.startswith(("accounts/", "twofactor/")) for p in users), users


def test_admin_pages_about_a_member_have_no_password_field(region, client_for):
    pages = {
        region.clinic_admin: f"/facilities/{region.clinic.public_id}/",
        region.secretariat: f"/console/facilities/{region.clinic.public_id}/",
    }
    for admin, url in pages.items():
        response = client_for(admin).get(url)
        assert response.status_code == 200, url
        assert 'type="password"' not in response.content.decode(), url


def test_a_reset_link_works_once(region):
    raw = tokens.issue(region.nurse, TokenPurpose.PASSWORD_RESET, timedelta(minutes=60))
    assert not OneTimeToken.objects.filter(digest=raw).exists()  # only its digest is kept
    actions.reset_password(token=raw, new=NEW_PASSWORD)
    with pytest.raises(NotFound):
        actions.reset_password(token=raw, new="Tsubame2026mado")
    region.nurse.refresh_from_db()
    assert region.nurse.check_password(NEW_PASSWORD)


def test_a_reset_link_expires(region):
    raw = tokens.issue(region.nurse, TokenPurpose.PASSWORD_RESET, timedelta(minutes=60))
    OneTimeToken.objects.filter(member=region.nurse).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(NotFound):
        actions.reset_password(token=raw, new=NEW_PASSWORD)
    region.nurse.refresh_from_db()
    assert region.nurse.check_password(PASSWORD)
    assert Client().get(f"/password/reset/{raw}/").status_code == 404


def test_one_account_per_email(region):
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create_member(
            name="別人", furigana="べつじん", profession="nurse", email=region.nurse.email
        )


def test_one_account_per_login_id_whatever_the_case(region):
    newcomer = Member.objects.create_member(
        name="新人", furigana="しんじん", profession="nurse", email="newcomer@example.jp"
    )
    raw = tokens.issue(newcomer, TokenPurpose.ACTIVATION, timedelta(hours=1))
    taken = (region.nurse.login_id or "").upper()
    with pytest.raises(ValidationFailed) as refused:
        actions.activate_account(token=raw, login_id=taken, password=NEW_PASSWORD)
    assert refused.value.errors["login_id"] == [
        "このログインIDはすでに使われています。別のログインIDを選んでください。"
    ]
    newcomer.refresh_from_db()
    assert not newcomer.is_active


def _sign_in(member: Member) -> Client:
    client = Client()
    response = client.post("/signin/", {"login_id": member.login_id, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_signing_in_elsewhere_keeps_other_sessions_until_asked(region):
    first = _sign_in(region.nurse)
    second = _sign_in(region.nurse)
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 200
    assert UserSession.objects.filter(member=region.nurse, ended_at__isnull=True).count() == 2
    second.post("/signout/everywhere/")
    assert first.get("/").status_code == 302
    assert not UserSession.objects.filter(member=region.nurse, ended_at__isnull=True).exists()
