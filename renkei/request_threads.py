"""Django's ASGI handler, with the threads that run requests' synchronous code kept for the next
request.

Django runs each HTTP request's synchronous part (middleware, views, the ORM) in one thread of
its own: a new single-thread executor per request, shut down when the request ends, by yet
another thread started to wait for it. Starting and joining those threads was about a twentieth
of a post's server time. Here a request borrows an idle single-thread executor instead and
gives it back when it ends, so the threads are started once. A request still has its own thread
for as long as it runs, as Django expects (its database connection belongs to that thread and is
closed, or given back to its pool, when the request ends).

An executor goes back to the idle ones only once everything submitted to it has run: a request
abandoned by its client leaves its synchronous work running, and the next request must not queue
behind it.

The middleware chain is loaded as under WSGI, synchronous from end to end, and a request enters
it once, in its thread. Django's ASGI handler loads it for async callers instead: every
middleware here is synchronous, so each one was adapted, and a request crossed between the event
loop and its thread several times (into the middleware, back to the loop to resolve the URL,
into the thread again for the view, and back out). Those crossings, with the URL resolving they
put on the event loop's thread, held the GIL on the loop's thread for about 40 % of an
authenticated API request's time.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase


class RequestThreads:
    """Idle single-thread executors for requests: taken by a request, given back after it."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._idle: list[ThreadPoolExecutor] = []
        self._lock = threading.Lock()
        self.started = 0

    def take(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            self.started += 1
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        """Keep ``executor`` once its queue has drained (run on its own thread, after the rest)."""
        with contextlib.suppress(RuntimeError):  # shut down meanwhile (interpreter exit)
            executor.submit(self._idle_now, executor)

    def _idle_now(self, executor: ThreadPoolExecutor) -> None:
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(executor)
                return
        # Called on the executor's own thread: shutting down without waiting lets it end.
        executor.shutdown(wait=False)

    def idle_count(self) -> int:
        with self._lock:
            return len(self._idle)


class PooledThreadsASGIHandler(ASGIHandler):
    """Django's ASGI handler whose requests run in kept threads (``RequestThreads``)."""

    def __init__(self, threads: RequestThreads | None = None) -> None:
        # Not ASGIHandler.__init__: it loads the middleware chain for async callers.
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        # More idle threads than requests in flight at once would only hold memory.
        self.threads = threads or RequestThreads(keep=32)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        """The whole synchronous chain, URL resolving and view included, in the request's
        thread: one crossing from the event loop and one back."""
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self.threads.take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(executor)
