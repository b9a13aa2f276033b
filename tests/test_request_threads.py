"""The ASGI handler keeps the threads that run requests (renkei/request_threads): one request at
a time per thread, the thread used again by the next request, and never handed on while
work of an earlier request is still running in it."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from django.core.signals import request_finished
from django.db import connections

from renkei.request_threads import PooledThreadsASGIHandler, RequestThreads


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "http_version": "1.1",
        "asgi": {"version": "3.0"},
    }


async def _get(app: PooledThreadsASGIHandler, path: str) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    asked = 0

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if asked == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # the client stays connected
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(_scope(path), receive, send)
    return sent


def _wait_for(condition: Any, seconds: float = 5) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return False


@pytest.mark.django_db(transaction=True)
def test_requests_one_after_another_run_in_one_kept_thread():
    app = PooledThreadsASGIHandler(RequestThreads(keep=4))
    finished_in: list[int] = []
    connection_left: list[object] = []

    def on_finished(**_: Any) -> None:
        finished_in.append(threading.get_ident())

    def after(**_: Any) -> None:
        connection_left.append(connections["default"].connection)

    request_finished.connect(on_finished)
    try:

        async def three() -> None:
            for _ in range(3):
                answer = await _get(app, "/healthz")
                assert answer[0]["status"] == 200
                assert _wait_for(lambda: app.threads.idle_count() == 1)

        asyncio.run(three())
        # Django's own receiver closes the connection first; this one looks after it.
        request_finished.connect(after)
        answer = asyncio.run(_get(app, "/signin/"))
        assert answer[0]["status"] == 200
    finally:
        request_finished.disconnect(on_finished)
        request_finished.disconnect(after)
    assert app.threads.started == 1
    assert len(set(finished_in)) == 1
    assert threading.get_ident() not in finished_in
    # A request's database connection does not outlive it in the kept thread.
    assert connection_left == [None]


def test_a_thread_still_busy_with_an_abandoned_request_is_not_handed_on():
    threads = RequestThreads(keep=4)
    first = threads.take()
    release = threading.Event()
    first.submit(release.wait, 10)  # the synchronous part of a request its client gave up on
    threads.give_back(first)
    second = threads.take()
    assert second is not first
    assert threads.started == 2
    release.set()
    assert _wait_for(lambda: threads.idle_count() == 1)
    assert threads.take() is first
    for executor in (first, second):
        executor.shutdown()


def test_no_more_than_keep_threads_wait():
    threads = RequestThreads(keep=1)
    executors = [threads.take() for _ in range(3)]
    for executor in executors:
        threads.give_back(executor)
    assert _wait_for(lambda: sum(not e._shutdown for e in executors) == 1)
    assert threads.idle_count() == 1


def test_only_http_goes_through_the_handler():
    app = PooledThreadsASGIHandler(RequestThreads(keep=1))
    with pytest.raises(ValueError, match="HTTP"):
        asyncio.run(app({"type": "websocket"}, None, None))
    assert app.threads.started == 0
