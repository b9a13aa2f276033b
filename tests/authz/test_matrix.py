"""The authorisation matrix (R2.4): every page and every API operation, as every role, answers
as ``matrix_table.py`` declares.

The list of endpoints is derived from the code, not from the table: pages from the URL
configuration (every pattern, named by ``namespace:name``, or by its route when unnamed), API
operations from the live OpenAPI description (each operation id and method). A route with no
row, or a row for a route that no longer exists, fails ``test_every_route_has_a_row``.

The region (``world.py``) is built once for the module inside a transaction that is rolled
back at the end; each cell runs in a savepoint rolled back after it, so a write allowed in one
cell is not seen by the next. Every request is really sent with a signed-in session of its
role (pages as forms, the API as JSON).
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from renkei.api.openapi import openapi_text
from tests.authz.matrix_table import (
    API,
    FORBIDDEN,
    PAGES,
    PUBLIC,
    ROLES,
    SIGN_IN,
    UNAUTHORISED,
    Row,
)
from tests.authz.world import CANARIES, World, build_world
from tests.support.consent import signed_form
from tests.support.region import sign_in

API_PREFIX = "/api/v1"
# Codes of the API's error body that mean "not for you" rather than "not this input".
PERMISSION_CODES = {"not_found", "forbidden", "not_authenticated", "csrf_failed"}
# How the API refuses an action on an object the caller may see.
REFUSALS = {(FORBIDDEN, "forbidden")}
# Columns the middleware refreshes on every request (last use of a session or a device): not a
# change made by the request's action.
VOLATILE_FIELDS = {"last_seen_at", "last_used_at", "expire_date"}


# --- The routes the code has ---------------------------------------------------------------


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), full)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name is None:
                yield route, route
            else:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route


def api_operations() -> dict[str, tuple[str, str]]:
    """Operation id -> (method, path template) from the live OpenAPI description."""
    document = json.loads(openapi_text())
    found: dict[str, tuple[str, str]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            found[operation["operationId"]] = (method.upper(), path)
    return found


def page_routes() -> dict[str, str]:
    """Page route key -> route. The API's patterns are covered by its operations; the API's
    own pages (its description, its docs, its root) are pages like any other."""
    operations = api_operations()
    routes: dict[str, str] = {}
    for key, route in _walk(get_resolver().url_patterns):
        if key.startswith("api:") and key.removeprefix("api:") in operations:
            continue
        routes[key] = route
    return routes


def test_every_route_has_a_row() -> None:
    """A page or an API operation without a row, or a row for a route that is gone, fails."""
    pages, operations = set(page_routes()), set(api_operations())
    problems = [f"page without a row: {key}" for key in sorted(pages - set(PAGES))]
    problems += [
        f"row for a page that no longer exists: {key}" for key in sorted(set(PAGES) - pages)
    ]
    problems += [f"API operation without a row: {key}" for key in sorted(operations - set(API))]
    problems += [
        f"row for an API operation that no longer exists: {key}"
        for key in sorted(set(API) - operations)
    ]
    assert not problems, "tests/authz/matrix_table.py:\n" + "\n".join(problems)


def test_rows_use_the_operations_method() -> None:
    for operation_id, (method, _path) in api_operations().items():
        if operation_id in API:
            assert API[operation_id].method == method, operation_id


# --- The region, once per module -----------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[World, dict[str, str]]]:
    """The matrix region and a session key per role, in a transaction rolled back at the end."""
    with tempfile.TemporaryDirectory() as data_dir:
        overrides = override_settings(
            DATA_DIR=data_dir,
            PASSWORD_HASHERS=["tests.support.hashers.FastArgon2PasswordHasher"],
        )
        overrides.enable()
        try:
            with django_db_blocker.unblock(), transaction.atomic():
                built = build_world()
                sessions = {role: sign_in(Client(), m) for role, m in built.actors.items()}
                yield built, sessions
                transaction.set_rollback(True)
        finally:
            overrides.disable()


def _value(world: World, key: str) -> str:
    return str(world.keys[key])


def page_path(world: World, key: str, row: Row) -> str:
    kwargs = {name: _value(world, k) for name, k in row.params.items()}
    if PAGE_ROUTES.get(key) == key:
        return "/" + key  # an unnamed route is keyed by its route
    return reverse(key, kwargs=kwargs) + row.query


def api_path(world: World, operation_id: str, row: Row) -> str:
    _method, template = OPERATIONS[operation_id]
    path = template
    for name, k in row.params.items():
        path = path.replace("{" + name + "}", _value(world, k))
    assert "{" not in path, f"{operation_id}: a path parameter has no value in the row"
    return path + row.query


@functools.cache
def _fingerprint_sql() -> str:
    """One query that reads every row of every table of the product as text, table by table
    (volatile last-use columns left out; binary columns as hex)."""
    quote = connection.ops.quote_name
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    parts = []
    for model in apps.get_models():
        meta = model._meta
        if not model.__module__.startswith("renkei.") or meta.db_table not in existing:
            continue
        columns = []
        for f in meta.concrete_fields:
            if f.attname in VOLATILE_FIELDS:
                continue
            column = quote(f.column)
            if f.get_internal_type() == "BinaryField":
                column = f"hex({column})" if sqlite else f"encode({column}, 'hex')"
            columns.append(column)
        array = "json_array" if sqlite else "json_build_array"
        parts.append(
            f"SELECT '{meta.label}', CAST({array}({', '.join(columns)}) AS TEXT) "  # noqa: S608
            f"FROM {quote(meta.db_table)}"
        )
    return " UNION ALL ".join(parts)


def fingerprint() -> dict[str, list[str]]:
    """Every row of every table of the product, by table."""
    tables: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        for label, row in cursor.fetchall():
            tables.setdefault(label, []).append(row)
    return {label: sorted(rows) for label, rows in tables.items()}


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(
        label for label in before.keys() | after.keys() if before.get(label) != after.get(label)
    )


def resolve(world: World, value: Any) -> Any:
    """A row's body with "@key" replaced by the world's value and "file:pdf" by a signed scan."""
    if isinstance(value, dict):
        return {k: resolve(world, v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(world, v) for v in value]
    if isinstance(value, str) and value.startswith("@"):
        return _value(world, value[1:])
    if value == "file:pdf":
        return signed_form()
    return value


def send(client: Client, world: World, row: Row, path: str, *, is_api: bool) -> HttpResponse:
    data = resolve(world, row.data or {})
    if row.method == "GET":
        return client.get(path)  # type: ignore[return-value]
    if row.multipart:
        assert row.method == "POST"
        return client.post(path, data)  # type: ignore[return-value]
    if is_api:
        return client.generic(  # type: ignore[return-value]
            row.method, path, json.dumps(data), content_type="application/json"
        )
    return client.generic(  # type: ignore[return-value]
        row.method,
        path,
        urlencode(data, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )


def error_messages(response: HttpResponse) -> list[str]:
    request = getattr(response, "wsgi_request", None)
    if request is None:
        return []
    return [str(m) for m in messages.get_messages(request) if m.level >= messages.WARNING]


def text_of(response: HttpResponse) -> str:
    """The answer's body as text, files included."""
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        data = response.content
    return data.decode(errors="replace")


def api_code(response: HttpResponse) -> str:
    try:
        return str(json.loads(response.content).get("code", ""))
    except (ValueError, AttributeError):
        return ""


def describe(response: HttpResponse, is_api: bool) -> str:
    where = response.get("Location", "")
    said = api_code(response) if is_api else "; ".join(error_messages(response))
    return f"{response.status_code} {where} {said}".strip()


OPERATIONS = api_operations()
PAGE_ROUTES = page_routes()
CELLS = [("page", key, role) for key in sorted(PAGES) for role in ROLES] + [
    ("api", key, role) for key in sorted(API) for role in ROLES
]


def _marks(kind: str, key: str) -> list[Any]:
    row = (PAGES if kind == "page" else API)[key]
    rules = dict.fromkeys(("R2.4", *row.rules))
    return [pytest.mark.rule(*rules)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "key", "role"),
    [
        pytest.param(kind, key, role, id=f"{kind}:{key}:{role}", marks=_marks(kind, key))
        for kind, key, role in CELLS
    ],
)
def test_matrix(world: tuple[World, dict[str, str]], kind: str, key: str, role: str) -> None:
    """One cell: ``role`` calls the page or operation ``key`` and gets what the table says."""
    built, sessions = world
    is_api = kind == "api"
    row = (API if is_api else PAGES)[key]
    caches["default"].clear()  # rate-limit counters of earlier cells are not this cell's
    client = Client()
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
    path = api_path(built, key, row) if is_api else page_path(built, key, row)
    before = fingerprint() if row.is_write else {}
    response = send(client, built, row, path, is_api=is_api)
    answer = f"{row.method} {path} as {role}: {describe(response, is_api)}"
    status = response.status_code

    if role == "anonymous" and row.anonymous != PUBLIC:
        if row.anonymous == SIGN_IN:
            assert status == 302, answer
            assert response["Location"].startswith("/signin/"), answer
        else:
            assert status == row.anonymous == UNAUTHORISED, answer
        _unchanged(row, before, answer)
        return

    if role in row.allow or (role == "anonymous" and row.anonymous == PUBLIC):
        assert status not in (401, 403, 404, 405), f"allowed, but denied: {answer}"
        if row.ends_session:
            assert status == 302, answer
            still = Client()
            still.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
            assert still.get("/spaces/").status_code == 302, f"session not ended: {answer}"
        elif 300 <= status < 400:
            assert not response["Location"].startswith("/signin/"), f"allowed, but {answer}"
        if status >= 400:
            assert row.is_write, f"allowed: {answer}"
            assert status in (400, 409, 410, 422), f"allowed: {answer}"
            if is_api:
                assert api_code(response) not in PERMISSION_CODES, f"allowed: {answer}"
        if row.shows:
            shown = _value(built, row.shows) in text_of(response)
            sees = role in row.sees
            assert shown == sees, f"{row.shows} {'not ' if sees else ''}shown: {answer}"
        return

    if role in row.refused:
        if is_api:
            assert (status, api_code(response)) in REFUSALS, f"refused: {answer}"
        else:
            assert status == FORBIDDEN or (status < 400 and error_messages(response)), (
                f"refused, but no 403 or error message: {answer}"
            )
    else:
        assert status == row.deny, f"denied ({row.deny} expected): {answer}"
    _unchanged(row, before, answer)


def _unchanged(row: Row, before: dict[str, Any], answer: str) -> None:
    if row.is_write:
        changed = changed_tables(before, fingerprint())
        assert changed == [], f"denied, but changed {changed}: {answer}"


@pytest.mark.django_db
def test_the_change_check_sees_a_write(world: tuple[World, dict[str, str]]) -> None:
    """The "nothing changed" check of denied writes sees a new row and a changed one."""
    from renkei.timeline.actions import delete_post, post_message
    from renkei.timeline.models import Post

    built, _sessions = world
    nurse = built.actors["member"]
    space_id = Post.objects.get(public_id=built.keys["post"]).space_id
    before = fingerprint()
    made = post_message(nurse, space_id=space_id, body="確認のための投稿です。")
    assert "timeline.Post" in changed_tables(before, fingerprint())
    before = fingerprint()
    delete_post(nurse, post_id=made.pk)  # an update: the body is emptied
    assert "timeline.Post" in changed_tables(before, fingerprint())


@pytest.mark.django_db
@pytest.mark.rule("R2.4", "R3.1", "R3.3①")
@pytest.mark.parametrize("role", ["facility_admin", "other_admin", "secretariat", "operator"])
def test_admins_see_no_post_anywhere(world: tuple[World, dict[str, str]], role: str) -> None:
    """Admins who are not members of the patient group (the lead facility's admin manages its
    membership) find none of its posts, replies or file names on any page or API answer they
    may open, search included; its member finds them."""
    built, sessions = world
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
    member = Client()
    member.cookies[settings.SESSION_COOKIE_NAME] = sessions["member"]
    # Searched by words of the post and the reply (a canary searched for would be echoed).
    searches = [f"{s}?q={q}" for s in ("/search/", "/api/v1/search") for q in ("本日訪問", "確認")]
    paths = list(searches)
    assert CANARIES[0] in member.get(searches[0]).content.decode(), "the member finds the post"
    post_page = member.get(page_path(built, "timeline:post", PAGES["timeline:post"]))
    assert all(c in post_page.content.decode() for c in CANARIES), "the canaries are findable"
    for key, row in PAGES.items():
        if row.method == "GET" and role in row.allow:
            paths.append(page_path(built, key, row))
    for key, row in API.items():
        if row.method == "GET" and role in row.allow:
            paths.append(api_path(built, key, row))
    for path in paths:
        response = client.get(path)
        body = text_of(response)
        # The audit trail names the post by its id (never its content); a search hit may not.
        words = (*CANARIES, str(built.keys["post"])) if path in searches else CANARIES
        found = [c for c in words if c in body]
        assert not found, f"{role} sees {found} at {path} ({response.status_code})"
