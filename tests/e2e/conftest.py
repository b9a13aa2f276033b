"""End-to-end fixtures: the real ASGI application on loopback, driven by headless Chromium.

The server runs in a thread of the test process, so the test's settings apply to it; it reads
the SQLite test database file through its own connections, which is why these tests use
``transactional_db``: data the test writes is committed and visible to the server.

Playwright's sync API keeps its event loop marked as running in the test's thread between
calls. Two things follow. Django refuses ORM calls from a thread with a running loop, so a test
that touches the database while the browser is open does it through ``off_loop``. And
pytest-asyncio cannot run a loop beside it, so Playwright lives for one test only and its
teardown checks that no loop is left running for the async tests that follow.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

import pytest
import uvicorn
from django.db import connections
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Without these Chromium keeps calling out to Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
_failed = pytest.StashKey[bool]()
P = ParamSpec("P")
T = TypeVar("T")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Remember a failing test body, so the page fixture can keep a screenshot of it."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_failed] = True
    return report


def off_loop(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``fn`` in a worker thread, away from the loop Playwright marks as running here.

    The worker's database connection is closed when it is done, so none is left open on the
    test database.
    """

    def run() -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def asgi_server(transactional_db: None, settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The base URL of renkei.asgi.application served by uvicorn on a free loopback port."""
    from renkei.asgi import application

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings.BASE_URL = url
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.CSRF_TRUSTED_ORIGINS = [url]
    server = uvicorn.Server(
        uvicorn.Config(
            application,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
    )
    # uvicorn installs no signal handlers outside the main thread, so Server.run is safe here.
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"the test server on {url} did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def playwright(asgi_server: str) -> Iterator[Playwright]:
    """Playwright's sync API for one test, started after the server and the test data (which
    need the database) and stopped before them; see the module docstring for why."""
    with sync_playwright() as p:
        yield p
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    pytest.fail("Playwright left its event loop running; later async tests would fail")


@pytest.fixture
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; the one Playwright could download is never used."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the end-to-end tests need Debian's Chromium. "
            "Run `make browser` (as root) and try again."
        )
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator:  # type: ignore[type-arg]
    """``new_page()``: a page in a fresh browser context (its own cookies) with locale ja-JP.

    Several pages act as several people. A failing test leaves a screenshot of each page
    under test-results/.
    """
    contexts = []

    def make() -> Page:
        context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    if request.node.stash.get(_failed, False):
        RESULTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                path = RESULTS / f"{name}-{n}-{m}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                except Exception as exc:  # a crashed page: report it, keep the test's own error
                    print(f"no screenshot of {path.name}: {exc}")  # noqa: T201
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:  # type: ignore[no-untyped-def]
    """One page for a test that acts as one person."""
    return new_page()
