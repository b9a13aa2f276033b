"""``make bench``: Renkei measured for real on loopback, written to docs/benchmarks.md.

One uvicorn worker serves a scratch SQLite region under ``var/bench/``. Members sign in
through the sign-in page and post through the JSON API with their session and CSRF token, so
every post takes a user's whole path: session guard, permission check, the post, its audit
event, notification rows and the live publish. The workload follows the peer benchmark in
``../shared/bench`` (20 members, 10 spaces of 10): sequential posts, 20 concurrent clients
over 10 spaces and into one space, the first page of a 10,000-post timeline, send → receive
over the live connection, and ``/healthz`` on the same server as the ceiling. Every loop is
bounded by a count and by the run's deadline.

    python -m bench.run [--quick] [--out docs/benchmarks.md] [--json var/bench/results.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from websockets.asyncio.client import connect as ws_connect

from bench import client as bc
from bench.report import write_report

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


# Figures -------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float | None:
    """The p-th percentile by nearest rank, as the peer benchmark computes it."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100.0 * (len(ordered) - 1))))
    return ordered[k]


def summary_ms(values: list[float]) -> dict[str, Any]:
    def ms(v: float | None) -> float | None:
        return round(v * 1000, 2) if v is not None else None

    return {
        "n": len(values),
        "median_ms": ms(statistics.median(values)) if values else None,
        "p95_ms": ms(pct(values, 95)),
        "max_ms": ms(max(values)) if values else None,
    }


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self, what: str) -> None:
        if self.left() <= 0:
            raise TimeoutError(f"the bench ran out of time during {what}")


class ServerWatch:
    """CPU time and memory of the server process, sampled in the background for the peak."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def rss(self) -> int:
        return int(self.process.memory_info().rss)

    def cpu(self) -> float:
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            try:
                self.peak = max(self.peak, self.rss())
            except psutil.Error:
                return

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def mib(n: int) -> float:
    return round(n / 1048576, 1)


# The server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "renkei.settings",
            "RENKEI_DATA_DIR": str(data_dir),
            "RENKEI_ALLOWED_HOSTS": f"{HOST},localhost",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.pop("RENKEI_DEBUG", None)
    return env


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_server(env: dict[str, str], log: Path, *, workers: int = 1) -> Server:
    """uvicorn serving the application with ``workers`` processes, ready when /healthz answers
    (a master answers only once it has its workers)."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    env = {**env, "RENKEI_BASE_URL": base}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "renkei.asgi:application",
                "--host",
                HOST,
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--lifespan",
                "off",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30 * workers
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:  # noqa: S310
                if answer.status == 200:
                    return Server(process, base)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the server did not start; see {log}") from None
            time.sleep(0.2)


# The measures --------------------------------------------------------------------------------


async def sequential_posts(
    base: str, who: bc.Credentials, space_id: str, n: int, dl: Deadline, watch: ServerWatch
) -> dict[str, Any]:
    latencies = []
    cpu0 = watch.cpu()
    start = time.perf_counter()
    async with bc.api_client(base, who, connections=1) as client:
        for i in range(n):
            dl.check("sequential posts")
            t = time.perf_counter()
            await bc.post(client, space_id, f"順次 {i} 本日の訪問で変化はありませんでした")
            latencies.append(time.perf_counter() - t)
    wall = time.perf_counter() - start
    return summary_ms(latencies) | {
        "posts_per_s": round(len(latencies) / wall, 1),
        "server_cpu_ms_per_post": round((watch.cpu() - cpu0) / max(1, n) * 1000, 2),
    }


def concurrent_load(
    base: str, jobs: list[bc.Job], processes: int, dl: Deadline, watch: ServerWatch, *, unit: str
) -> dict[str, Any]:
    cpu0 = watch.cpu()
    result = bc.run_in_processes(base, jobs, processes=processes, deadline=dl.end)
    wall = max(1e-9, result.ended - result.started)
    done = len(result.latencies)
    return summary_ms(result.latencies) | {
        "clients": len(jobs),
        "client_processes": processes,
        "wall_s": round(wall, 2),
        f"{unit}_per_s": round(done / wall, 1),
        f"server_cpu_ms_per_{unit.rstrip('s')}": round(
            (watch.cpu() - cpu0) / max(1, done) * 1000, 2
        ),
        "errors": len(result.errors),
        "first_error": result.errors[0] if result.errors else None,
    }


async def timeline_fetches(
    base: str, who: bc.Credentials, space_id: str, n: int, dl: Deadline
) -> dict[str, Any]:
    latencies = []
    got = 0
    async with bc.api_client(base, who, connections=1) as client:
        for _ in range(n):
            dl.check("timeline fetches")
            t = time.perf_counter()
            answer = await client.get(f"/api/v1/spaces/{space_id}/posts", params={"limit": 50})
            answer.raise_for_status()
            latencies.append(time.perf_counter() - t)
            got = len(answer.json()["posts"])
    return summary_ms(latencies) | {"posts_per_page": got}


SEARCH_QUERIES = ["血圧", "熱", "褥瘡 処置", "インスリン", "訪問", "歩行が安定"]


async def searches(base: str, who: bc.Credentials, n: int, dl: Deadline) -> dict[str, Any]:
    """``GET /api/v1/search`` (20 hits) over every post the member may read, one-character,
    two-character and longer Japanese queries in turn."""
    latencies: list[float] = []
    hits: dict[str, int] = {}
    async with bc.api_client(base, who, connections=1) as client:
        for i in range(n):
            dl.check("search")
            q = SEARCH_QUERIES[i % len(SEARCH_QUERIES)]
            t = time.perf_counter()
            answer = await client.get("/api/v1/search", params={"q": q, "limit": 20})
            answer.raise_for_status()
            latencies.append(time.perf_counter() - t)
            hits[q] = len(answer.json()["hits"])
    return summary_ms(latencies) | {"queries": SEARCH_QUERIES, "hits_per_query": hits}


async def live_delivery(
    base: str,
    sender: bc.Credentials,
    receiver: bc.Credentials,
    space_id: str,
    n: int,
    dl: Deadline,
) -> dict[str, Any]:
    """Send → receive: the sender posts through the API; the clock stops when the receiver's
    live connection delivers that post."""
    latencies, lost = [], 0
    tag = uuid.uuid4().hex[:6]
    ws_url = base.replace("http://", "ws://") + "/ws/live/"
    async with (
        ws_connect(
            ws_url,
            origin=f"http://{HOST}",  # type: ignore[arg-type]
            additional_headers={"Cookie": receiver.cookie_header},
            open_timeout=10,
        ) as ws,
        bc.api_client(base, sender, connections=1) as client,
    ):
        assert json.loads(await ws.recv()) == {"type": "hello"}
        for i in range(n):
            dl.check("live delivery")
            marker = f"live-{tag}-{i}"
            start = time.perf_counter()
            sending = asyncio.ensure_future(bc.post(client, space_id, marker))
            found = False
            wait_end = time.monotonic() + 10
            while not found and time.monotonic() < wait_end:
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=wait_end - time.monotonic())
                except TimeoutError:
                    break
                message = json.loads(raw)
                if message.get("type") == "post" and message["post"]["body"] == marker:
                    latencies.append(time.perf_counter() - start)
                    found = True
            await sending
            lost += not found
    return summary_ms(latencies) | {"lost": lost}


def machine() -> dict[str, Any]:
    memory = psutil.virtual_memory().total
    cpu_model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "memory_gib": round(memory / 1024**3, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": f"{platform.system()} {platform.release()}",
        "commit": commit,
        # What else the machine was doing when the run started (the runs share its cores).
        "load_1min": round(os.getloadavg()[0], 2),
    }


def load_note(m: dict[str, Any]) -> str:
    """The sentence a report gives on the machine's load when the run started, followed by a
    space; empty for a run that did not record it."""
    if "load_1min" not in m:
        return ""
    return f"Load average (1 min) when the run started: {m['load_1min']} on {m['nproc']} cores. "


# The run -------------------------------------------------------------------------------------

FULL = {
    "users": 20,
    "rooms": 10,
    "members": 10,
    "seq": 200,
    "clients": 20,
    "conc_total": 2000,
    "history": 10000,
    "fetches": 50,
    "live": 100,
    "ceiling": 4000,
    "search_posts": 90000,
    "searches": 60,
    "client_processes": 4,
}
QUICK = {
    "users": 4,
    "rooms": 2,
    "members": 3,
    "seq": 5,
    "clients": 4,
    "conc_total": 16,
    "history": 120,
    "fetches": 5,
    "live": 5,
    "ceiling": 40,
    "search_posts": 300,
    "searches": 6,
    "client_processes": 2,
}


def run(params: dict[str, Any], work: Path, max_seconds: float) -> dict[str, Any]:
    dl = Deadline(max_seconds)
    if work.exists():
        shutil.rmtree(work)
    data = work / "data"
    data.mkdir(parents=True)
    env = server_env(data)
    results: dict[str, Any] = {
        "params": params,
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }

    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    seed_file = work / "seed.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.seed",
            "--users",
            str(params["users"]),
            "--rooms",
            str(params["rooms"]),
            "--members",
            str(params["members"]),
            "--history",
            str(params["history"]),
            "--search-posts",
            str(params["search_posts"]),
            "--out",
            str(seed_file),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        # The console mail of the actions goes to a log, not over the progress lines.
        stdout=(work / "seed.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    seed = json.loads(seed_file.read_text())
    results["setup"] = {"seed_s": round(time.perf_counter() - t, 1)}
    print("seeded", results["setup"], flush=True)

    server = start_server(env, work / "server.log")
    try:
        watch = ServerWatch(server.process.pid)
        base = server.base
        bc.assert_loopback(base)
        t = time.perf_counter()
        people = [bc.sign_in(base, login, seed["password"]) for login in seed["users"]]
        results["setup"]["sign_in_ms_per_member"] = round(
            (time.perf_counter() - t) / len(people) * 1000, 1
        )
        results["rss_start_mib"] = mib(watch.rss())
        watch.start()
        cpu_start = watch.cpu()
        rooms = seed["rooms"]
        home: dict[int, str] = {}
        for room in rooms:
            for m in room["members"][:2]:
                home.setdefault(m, room["id"])

        # Ceiling: the trivial endpoint on the same server, same clients.
        per = max(1, params["ceiling"] // params["clients"])
        results["ceiling"] = concurrent_load(
            base,
            [bc.Job(who=None, count=per, path="/healthz") for _ in range(params["clients"])],
            params["client_processes"],
            dl,
            watch,
            unit="requests",
        )
        print("ceiling /healthz", results["ceiling"], flush=True)

        results["seq_send"] = asyncio.run(
            sequential_posts(base, people[0], rooms[0]["id"], params["seq"], dl, watch)
        )
        print("sequential posts", results["seq_send"], flush=True)

        clients = min(params["clients"], len(people))
        per = params["conc_total"] // clients
        spread = [
            bc.Job(who=people[u], count=per, space_id=home[u], label="spread")
            for u in range(clients)
        ]
        results["conc_send_spread"] = concurrent_load(
            base, spread, params["client_processes"], dl, watch, unit="posts"
        )
        print("concurrent, spread over spaces", results["conc_send_spread"], flush=True)

        one_room = [
            bc.Job(who=people[u], count=per, space_id=seed["one_room"], label="one")
            for u in range(clients)
        ]
        results["conc_send_one_room"] = concurrent_load(
            base, one_room, params["client_processes"], dl, watch, unit="posts"
        )
        print("concurrent, one space", results["conc_send_one_room"], flush=True)

        results["history_fetch"] = asyncio.run(
            timeline_fetches(base, people[1], seed["history"]["id"], params["fetches"], dl)
        ) | {"space_posts": seed["history"]["posts"]}
        print("timeline first page", results["history_fetch"], flush=True)

        results["e2e_delivery"] = asyncio.run(
            live_delivery(base, people[0], people[1], rooms[0]["id"], params["live"], dl)
        )
        print("live send → receive", results["e2e_delivery"], flush=True)

        reader = people[seed["users"].index(seed["search"]["reader"])]
        results["search"] = asyncio.run(searches(base, reader, params["searches"], dl)) | {
            "posts_readable": seed["search"]["posts_readable"]
        }
        print("search", results["search"], flush=True)
        results["server_cpu_s_total"] = round(watch.cpu() - cpu_start, 1)
        watch.stop()
        results["rss_end_mib"] = mib(watch.rss())
        results["rss_peak_mib"] = mib(max(watch.peak, watch.rss()))
    finally:
        server.stop()
    results["total_s"] = round(max_seconds - dl.left(), 1)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny counts: checks the harness only")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "results.json")
    ap.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "run")
    ap.add_argument("--max-seconds", type=float, default=420)
    args = ap.parse_args()
    params = dict(QUICK if args.quick else FULL)
    results = run(params, args.work, args.max_seconds)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    write_report(results, args.out, quick=args.quick)
    print(f"wrote {args.out} and {args.json} in {results['total_s']} s", flush=True)


if __name__ == "__main__":
    main()
