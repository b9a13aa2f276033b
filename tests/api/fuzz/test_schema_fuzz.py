"""Schema fuzzing of /api/v1 (issue 6 item 9; R2.4): schemathesis generates requests from the
OpenAPI description for every operation and sends them in-process, over WSGI, as a signed-in
member of each role. Every answer must

- not be a server error (5xx),
- use a status code, content type and body the description documents for the operation,
- carry none of the canary strings planted in a patient group, a group and a connection of
  which the role is not a member (tests/api/fuzz/canaries.py).

Path and id-valued query parameters are mostly drawn from the public ids that exist in the
database (the canaries' included), so that requests reach real objects instead of 404s only.

The number of examples per operation and role comes from ``RENKEI_FUZZ_EXAMPLES`` (default 3,
about 250 requests per role, under three minutes for every role on two busy cores; raise it
for a deeper run).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from renkei.api.openapi import openapi_text
from tests.api.fuzz.canaries import Canaries, plant, public_ids
from tests.api.spaces_cast import spaces_of_each_kind
from tests.support.region import sign_in

EXAMPLES = int(os.environ.get("RENKEI_FUZZ_EXAMPLES", "3"))

# The roles the fuzzer plays, each a member of the region's cast who is a member of none of
# the canary spaces: a member (nurse at the clinic), a facility admin (the clinic's clerk),
# a patient group admin and facility manager (the clinic's doctor), the secretariat, the
# operator.
ROLES = ["nurse", "clinic_admin", "doctor", "secretariat", "operator"]

# Query parameters that name an object by its public id.
ID_QUERY = {"facility", "space", "after", "before"}

_WSGI = WSGIHandler()


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Encrypted files of the planted spaces go to this test's own store."""
    settings.DATA_DIR = tmp_path


def _schema() -> Any:
    raw = json.loads(openapi_text())
    config = schemathesis.Config()
    return schemathesis.openapi.from_dict(raw, config=config)


class Session:
    """A real signed-in session of one member: session cookie and CSRF token, renewed when a
    fuzzed request ends it (sign-out everywhere, a device reported lost, deregistration)."""

    def __init__(self, member: Any) -> None:
        self.member = member
        self.csrf = secrets.token_hex(16)
        self.key = ""
        # Answers that reached a handler and succeeded, and answers held back before any handler
        # because the session lacked its second factor: the fuzzing is only worth something when
        # the first are many and the second none.
        self.succeeded = 0
        self.held_back = 0
        self.renew()

    def renew(self) -> None:
        self.key = sign_in(Client(), self.member)

    def still_open(self) -> bool:
        from renkei.accounts.models import UserSession

        return UserSession.objects.filter(session_key=self.key, ended_at__isnull=True).exists()

    @property
    def cookies(self) -> dict[str, str]:
        return {settings.SESSION_COOKIE_NAME: self.key, settings.CSRF_COOKIE_NAME: self.csrf}

    @property
    def headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf, "Accept-Language": "ja"}


def _leaks(body: bytes, canaries: Canaries) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    # JSON escapes non-ASCII (\\uXXXX): read it back, so that kana canaries show too.
    with contextlib.suppress(ValueError):
        text += json.dumps(json.loads(text), ensure_ascii=False)
    return [value for value in canaries.values if value in text]


def _known_ids(case_strategy: Any, pool: list[str]) -> Any:
    """Cases whose ids are, four times in five, ids of real objects."""

    @st.composite
    def cases(draw: Any) -> Any:
        case = draw(case_strategy)
        for name in list(case.path_parameters or {}):
            if draw(st.integers(0, 4)):
                case.path_parameters[name] = draw(st.sampled_from(pool))
        for name in ID_QUERY & set(case.query or {}):
            if draw(st.integers(0, 4)):
                case.query[name] = draw(st.sampled_from(pool))
        return case

    return cases()


def fuzz_operation(operation: Any, session: Session, canaries: Canaries, pool: list[str]) -> int:
    """Run the bounded examples of one operation as one session; returns how many were sent.
    Raises on the first failing check."""
    sent = 0
    strategy = st.one_of(
        _known_ids(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), pool),
        _known_ids(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), pool),
    )

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        nonlocal sent
        if not session.still_open():
            session.renew()
        response = case.call(app=_WSGI, headers=session.headers, cookies=session.cookies)
        sent += 1
        if response.status_code < 300:
            session.succeeded += 1
        if response.status_code == 403 and b"second_factor_required" in response.content:
            session.held_back += 1
        case.validate_response(
            response,
            checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
        )
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: server error"
        leaked = _leaks(response.content, canaries)
        assert not leaked, (
            f"{case.method} {case.formatted_path} as {session.member.login_id} answered "
            f"{response.status_code} with canaries {leaked}: {response.content[:500]!r}"
        )

    run()
    return sent


@pytest.fixture
def wsgi_keeps_the_test_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection when a request ends, which would end
    the test's transaction; Django's own test client holds the signal back the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.usefixtures("wsgi_keeps_the_test_connection")
def test_the_api_answers_every_generated_request_by_its_schema_without_leaking(region, role):
    # The roles sign in as the sign-in page does, the admins with their authenticator app, under
    # the region's default policy (second factor required of admins).
    canaries = plant(region)
    spaces_of_each_kind(region)  # something the roles do see, so that reads return rows
    pool = public_ids()
    session = Session(region.cast[role])
    failures: list[str] = []
    sent = 0
    for result in _schema().get_all_operations():
        operation = result.ok()
        try:
            sent += fuzz_operation(operation, session, canaries, pool)
        except BaseException as exc:  # every operation's failure, not only the first
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            failures.append(f"{operation.label}: {exc}")
    # Shown with -s: how much was fuzzed and how much of it reached a handler and succeeded.
    print(f"{role}: {sent} requests, {session.succeeded} succeeded")  # noqa: T201
    assert sent >= EXAMPLES, "the fuzzer sent almost nothing"
    assert session.held_back == 0, "requests were held back for a missing second factor"
    assert session.succeeded >= sent // 10, "too few requests reached a handler and succeeded"
    assert not failures, "\n\n".join(failures)
