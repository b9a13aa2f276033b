"""``make bench-live``: 5,000 live connections held by one server process on loopback, 100
members posting, the delivery time of every post to every connection of its space's members;
written to docs/benchmarks-scale.md.

The region is bench.seed's: 100 members signed in through the sign-in page, 50 groups of 4
(every member in two). Each member keeps 50 live connections open with their session (tabs
and devices of a busy ward), 5,000 in all, spread over several client processes running
asyncio and ``websockets``. Then every member posts a few times through the JSON API, at
random moments over the posting window; a post carries its send time, and each connection that
receives it records the delay (one machine, one clock). The server's RSS is read before the
connections open and once all are open: the difference divided by the connections is the
memory per connection.

    python -m bench.live_scale [--quick] [--out docs/benchmarks-scale.md] [--profile FILE]

``--profile FILE`` samples the server with py-spy (raw format, 200 Hz, the thread holding the
GIL) over the posting window only, not while the connections open.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import queue
import random
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect as ws_connect

from bench import client as bc
from bench.run import (
    HOST,
    ROOT,
    ServerWatch,
    load_note,
    machine,
    mib,
    pct,
    server_env,
    start_server,
)
from bench.scale import write_section

# grace_s: how long connections wait for deliveries after the last post was answered; what
# has not arrived by then counts as not delivered.
FULL = {
    "members": 100,
    "per_member": 50,
    "posts_each": 1,
    "window_s": 30,
    "grace_s": 90,
    "processes": 4,
}
QUICK = {
    "members": 6,
    "per_member": 5,
    "posts_each": 2,
    "window_s": 4,
    "grace_s": 20,
    "processes": 2,
}
MARK = "live-scale"


@dataclass
class Share:
    """One client process's part: its connections (cookie headers) and its posters."""

    cookies: list[str] = field(default_factory=list)
    posters: list[tuple[bc.Credentials, str]] = field(default_factory=list)


@dataclass
class Outcome:
    delays: list[float] = field(default_factory=list)
    opened: int = 0
    sent: int = 0
    errors: list[str] = field(default_factory=list)


async def _hold(ws_url: str, cookie: str, out: Outcome) -> None:
    """One connection: open it, then record the delay of every post of ours it receives,
    until it is cancelled at the end of the run.

    It waits on the socket alone: a timeout on every wait woke each of the 5,000 connections
    once a second for nothing, and those wake-ups took the client processes' share of the
    machine's two cores from the server being measured."""
    try:
        async with ws_connect(
            ws_url,
            origin=f"http://{HOST}",  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie},
            open_timeout=120,
            ping_interval=None,
            max_queue=None,
        ) as ws:
            out.opened += 1
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "post":
                    body = message["post"]["body"]
                    if body.startswith(MARK):
                        out.delays.append(time.time() - float(body.split()[1]))
            out.errors.append(f"closed by the server ({ws.close_code})")
    except Exception as exc:
        out.errors.append(repr(exc)[:200])


async def _poster(
    base: str, who: bc.Credentials, space: str, n: int, window: float, out: Outcome
) -> None:
    pick = random.Random(who.login_id)
    moments = sorted(pick.uniform(0, window) for _ in range(n))
    start = time.monotonic()
    async with bc.api_client(base, who, connections=1) as client:
        for at in moments:
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            try:
                await bc.post(client, space, f"{MARK} {time.time():.6f} 訪問後の報告です")
                out.sent += 1
            except Exception as exc:
                out.errors.append(repr(exc)[:200])


async def _run_share(
    base: str, share: Share, params: dict[str, Any], ready: Any, go: Any
) -> Outcome:
    out = Outcome()
    ws_url = base.replace("http://", "ws://") + "/ws/live/"
    holders = []
    for i, cookie in enumerate(share.cookies):
        holders.append(asyncio.ensure_future(_hold(ws_url, cookie, out)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # open in waves: a burst of thousands is not a ward
    deadline = time.monotonic() + 300
    while out.opened + len(out.errors) < len(share.cookies) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    ready.put(out.opened)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, go.wait, 600)
    window = float(params["window_s"])
    await asyncio.gather(
        *(
            _poster(base, who, space, params["posts_each"], window, out)
            for who, space in share.posters
        )
    )
    await asyncio.sleep(float(params["grace_s"]))
    for holder in holders:
        holder.cancel()
    await asyncio.gather(*holders, return_exceptions=True)
    return out


def _process(
    base: str, share: Share, params: dict[str, Any], ready: Any, go: Any, results: Any
) -> None:
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    results.put(asyncio.run(_run_share(base, share, params, ready, go)))


def _start_profile(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    py_spy = Path(sys.executable).with_name("py-spy")
    command = [str(py_spy), "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "200"]
    # --gil: only the thread holding the GIL, so the samples say where the process's one core
    # of Python goes; --nonblocking: pausing 5,000 connections 200 times a second would slow
    # the very delivery being measured.
    command += ["--gil", "--nonblocking", "--format", "raw", "-o", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def run(params: dict[str, Any], work: Path, profile: Path | None = None) -> dict[str, Any]:
    if work.exists():
        shutil.rmtree(work)
    data = work / "data"
    data.mkdir(parents=True)
    env = server_env(data)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    members = params["members"]
    seed_file = work / "seed.json"
    sizes = ["--users", str(members), "--rooms", str(members // 2), "--members", "4"]
    sizes += ["--history", "0", "--search-posts", "0", "--out", str(seed_file)]
    with (work / "seed.log").open("wb") as log:
        subprocess.run(
            [sys.executable, "-m", "bench.seed", *sizes],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    seed = json.loads(seed_file.read_text())
    results: dict[str, Any] = {
        "params": params,
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    # The server inherits the raised limit: thousands of sockets in one process.
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    results["nofile"] = hard
    server = start_server(env, work / "server.log")
    try:
        watch = ServerWatch(server.process.pid)
        people = [bc.sign_in(server.base, login, seed["password"]) for login in seed["users"]]
        home = {m: room["id"] for room in seed["rooms"] for m in room["members"][:2]}
        shares = [Share() for _ in range(params["processes"])]
        for i, who in enumerate(people):
            share = shares[i % len(shares)]
            share.cookies += [who.cookie_header] * params["per_member"]
            share.posters.append((who, home[i]))
        rss_before = watch.rss()
        context = mp.get_context("spawn")
        ready, results_q, go = context.Queue(), context.Queue(), context.Event()
        workers = [
            context.Process(target=_process, args=(server.base, s, params, ready, go, results_q))
            for s in shares
        ]
        for worker in workers:
            worker.start()
        t = time.perf_counter()
        opened = sum(ready.get(timeout=600) for _ in workers)
        results["connect_s"] = round(time.perf_counter() - t, 1)
        time.sleep(2)  # let the server settle before reading its memory
        rss_open = watch.rss()
        results["connections"] = opened
        results["rss_before_mib"] = mib(rss_before)
        results["rss_open_mib"] = mib(rss_open)
        results["rss_per_connection_kib"] = round(
            (rss_open - rss_before) / max(1, opened) / 1024, 1
        )
        cpu0 = watch.cpu()
        sampler = None
        if profile is not None:
            sampler = _start_profile(server.process.pid, params["window_s"] + 5, profile)
            time.sleep(1)  # py-spy attaches before the first post
        go.set()
        total = Outcome()
        try:
            for _ in workers:
                part = results_q.get(timeout=params["window_s"] + params["grace_s"] + 300)
                total.delays += part.delays
                total.sent += part.sent
                total.errors += part.errors
        except queue.Empty:
            total.errors.append("a client process did not answer")
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
        results["server_cpu_s"] = round(watch.cpu() - cpu0, 1)
        if sampler is not None:
            sampler.wait(timeout=60)
    finally:
        server.stop()
    expected = total.sent * 4 * params["per_member"]  # every connection of the 4 members
    delays = total.delays

    def ms(p: float) -> float | None:
        value = pct(delays, p)
        return round(value * 1000, 1) if value is not None else None

    results["delivery"] = {
        "posts": total.sent,
        "deliveries": len(delays),
        "expected": expected,
        "median_ms": ms(50),
        "p95_ms": ms(95),
        "max_ms": round(max(delays) * 1000, 1) if delays else None,
        "errors": len(total.errors),
        "first_error": total.errors[0] if total.errors else None,
    }
    return results


def write_report(r: dict[str, Any], out: Path) -> None:
    m, d = r["machine"], r["delivery"]
    met = "met" if d["p95_ms"] is not None and d["p95_ms"] < 250 else "**not met**"
    lines = [
        "## Live connections (`make bench-live`)",
        "",
        f"Measured {r['date']} on commit {m['commit']} ({m['nproc']} cores, {m['cpu']}). "
        f"{load_note(m)}The clients share the CPU with the server. One uvicorn worker (SQLite, "
        "in-process channel layer); "
        f"{r['params']['members']} members signed in through the sign-in page, each holding "
        f"{r['params']['per_member']} live connections with their session from "
        f"{r['params']['processes']} client processes (asyncio + websockets) on the same "
        f"machine; each member posted {r['params']['posts_each']} times at random moments over "
        f"{r['params']['window_s']} s into a group of 4 (so 200 connections receive each post); "
        f"deliveries not received {r['params']['grace_s']} s after the last post count as "
        f"missing; open files limit {r['nofile']}.",
        "",
        "| measure | figure |",
        "|---|---|",
        f"| connections open at once | {r['connections']:,} (opened in {r['connect_s']} s) |",
        f"| posts | {d['posts']} |",
        f"| deliveries received / expected | {d['deliveries']:,} / {d['expected']:,} |",
        f"| delivery median | {d['median_ms']} ms |",
        f"| delivery p95 (target < 250 ms) | {d['p95_ms']} ms: {met} |",
        f"| delivery max | {d['max_ms']} ms |",
        f"| server RSS before → with all open | {r['rss_before_mib']} → {r['rss_open_mib']} MiB |",
        f"| server RSS per connection | {r['rss_per_connection_kib']} KiB |",
        f"| server CPU during the posting | {r['server_cpu_s']} s |",
        f"| client errors | {d['errors']} {d['first_error'] or ''} |",
        "",
    ]
    write_section(out, "bench-live", lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny counts: checks the harness only")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks-scale.md")
    ap.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "live")
    ap.add_argument("--profile", type=Path, help="py-spy raw samples of the posting window")
    args = ap.parse_args()
    results = run(dict(QUICK if args.quick else FULL), args.work, args.profile)
    (args.work / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    write_report(results, args.out)
    print(json.dumps(results["delivery"]), f"wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
