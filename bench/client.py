"""The benchmark's clients: members who sign in for real and post through the JSON API.

A client is an ``httpx`` connection with its member's own session and CSRF cookies. Load
beyond one client's reach (an httpx client saturates near 750 requests/s on a 2-core machine)
is spread over several client processes (``run_in_processes``), which start together on a
signal so that the wall time measured is the server's, not the processes' start-up.
"""

from __future__ import annotations

import asyncio
import ipaddress
import multiprocessing as mp
import queue
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import httpx

SESSION_COOKIE = "sessionid"
CSRF_COOKIE = "csrftoken"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def assert_loopback(base: str) -> None:
    """The benchmark talks to its own server on loopback and nothing else."""
    host = urlparse(base).hostname or ""
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"refusing a non-loopback target {host!r}")


@dataclass(frozen=True)
class Credentials:
    """What a signed-in member's browser holds: the session and CSRF cookies."""

    login_id: str
    session: str
    csrf: str

    @property
    def cookies(self) -> dict[str, str]:
        return {SESSION_COOKIE: self.session, CSRF_COOKIE: self.csrf}

    @property
    def cookie_header(self) -> str:
        return f"{SESSION_COOKIE}={self.session}; {CSRF_COOKIE}={self.csrf}"


def sign_in(base: str, login_id: str, password: str) -> Credentials:
    """Sign in through the sign-in page as a browser does, then fetch the API's CSRF token."""
    assert_loopback(base)
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/signin/")
        page.raise_for_status()
        token = _CSRF_INPUT.search(page.text)
        if token is None:
            raise RuntimeError("the sign-in page has no CSRF token")
        answer = client.post(
            "/signin/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "login_id": login_id,
                "password": password,
                "next": "",
            },
        )
        if answer.status_code != 302:
            raise RuntimeError(f"sign-in of {login_id} refused ({answer.status_code})")
        # Signing in rotates the CSRF token; the API's /me hands out the current one.
        client.get("/api/v1/me").raise_for_status()
        return Credentials(
            login_id=login_id,
            session=client.cookies[SESSION_COOKIE],
            csrf=client.cookies[CSRF_COOKIE],
        )


def api_client(base: str, who: Credentials | None, *, connections: int = 4) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"X-CSRFToken": who.csrf} if who else {}
    return httpx.AsyncClient(
        base_url=base,
        cookies=who.cookies if who else None,
        headers=headers,
        limits=limits,
        timeout=60,
    )


async def post(client: httpx.AsyncClient, space_id: str, body: str) -> dict[str, Any]:
    """One post through ``POST /api/v1/spaces/{id}/posts``, with a fresh client id."""
    answer = await client.post(
        f"/api/v1/spaces/{space_id}/posts",
        json={"body": body, "client_id": uuid.uuid4().hex},
    )
    if answer.status_code != 201:
        raise RuntimeError(f"posting answered {answer.status_code}: {answer.text[:300]}")
    return answer.json()


@dataclass
class Job:
    """One client's share of a load: ``count`` requests, each a post or a GET of ``path``."""

    who: Credentials | None
    count: int
    space_id: str = ""
    path: str = ""
    label: str = "load"


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0


async def _client_loop(base: str, job: Job, deadline: float, result: LoadResult, n: int) -> None:
    async with api_client(base, job.who, connections=1) as client:
        for i in range(job.count):
            if time.monotonic() > deadline:
                result.errors.append("deadline")
                return
            start = time.perf_counter()
            try:
                if job.path:
                    answer = await client.get(job.path)
                    answer.raise_for_status()
                else:
                    await post(client, job.space_id, f"{job.label} {n}-{i} 訪問後の報告です")
            except Exception as exc:
                result.errors.append(repr(exc)[:200])
                continue
            result.latencies.append(time.perf_counter() - start)


async def _run_jobs(base: str, jobs: list[Job], deadline: float) -> LoadResult:
    result = LoadResult()
    result.started = time.monotonic()
    await asyncio.gather(
        *(_client_loop(base, job, deadline, result, n) for n, job in enumerate(jobs))
    )
    result.ended = time.monotonic()
    return result


def _process_main(
    base: str,
    jobs: list[Job],
    deadline: float,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    ready.put(True)
    if not go.wait(timeout=max(1.0, deadline - time.monotonic())):
        results.put(LoadResult(errors=["never started"]))
        return
    results.put(asyncio.run(_run_jobs(base, jobs, deadline)))


def run_in_processes(base: str, jobs: list[Job], *, processes: int, deadline: float) -> LoadResult:
    """Run ``jobs`` (one client each) spread over ``processes`` client processes, started
    together; the latencies of all, and the wall time from the start signal to the last end.

    ``time.monotonic`` is the system-wide clock on Linux, so the processes' ends compare."""
    assert_loopback(base)
    context = mp.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    go = context.Event()
    shares = [jobs[p::processes] for p in range(processes)]
    workers = [
        context.Process(target=_process_main, args=(base, share, deadline, ready, go, results))
        for share in shares
        if share
    ]
    for worker in workers:
        worker.start()
    total = LoadResult()
    try:
        for _ in workers:
            ready.get(timeout=60)
        total.started = time.monotonic()
        go.set()
        ends = []
        for _ in workers:
            part = results.get(timeout=max(5.0, deadline - time.monotonic() + 30))
            total.latencies += part.latencies
            total.errors += part.errors
            ends.append(part.ended)
        total.ended = max(ends) if ends else time.monotonic()
    except queue.Empty:
        total.errors.append("a client process did not answer")
        total.ended = time.monotonic()
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()
    return total
