"""``make bench-multi``: the posting benchmark on PostgreSQL with the Redis channel layer and 2
uvicorn workers, beside the same measure on SQLite with one worker, made the same way in the
same run; written to docs/benchmarks-scale.md.

The measure is ``make bench``'s "20 concurrent clients posting over 10 spaces" (bench.run's
``concurrent_load`` over the region of bench.seed: 20 members, 10 spaces of 10, each client
posting into its own space through the JSON API with its signed-in session). The PostgreSQL
database is a scratch one, created for the run and dropped after; Redis carries the live
layer and the rate-limit counters between the two workers (database 11 of the local server).

    python -m bench.multi [--quick] [--out docs/benchmarks-scale.md]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import client as bc
from bench.run import (
    FULL,
    QUICK,
    ROOT,
    Deadline,
    Server,
    ServerWatch,
    concurrent_load,
    load_note,
    machine,
    mib,
    server_env,
    start_server,
)
from bench.scale import write_section

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/11"


class WorkersWatch(ServerWatch):
    """CPU time and memory of the server's master process and its workers together."""

    def _all(self) -> list[psutil.Process]:
        return [self.process, *self.process.children(recursive=True)]

    def rss(self) -> int:
        return sum(int(p.memory_info().rss) for p in self._all())

    def cpu(self) -> float:
        return sum(float(t.user + t.system) for t in (p.cpu_times() for p in self._all()))


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", PG_ADMIN, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],  # noqa: S607
        check=True,
        capture_output=True,
    )


def seed(env: dict[str, str], work: Path, params: dict[str, Any]) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    out = work / "seed.json"
    sizes = ["--users", str(params["users"]), "--rooms", str(params["rooms"])]
    sizes += ["--members", str(params["members"]), "--history", "0", "--search-posts", "0"]
    with (work / "seed.log").open("wb") as log:
        subprocess.run(
            [sys.executable, "-m", "bench.seed", *sizes, "--out", str(out)],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    seeded: dict[str, Any] = json.loads(out.read_text())
    return seeded


def spread(
    server: Server, watch: ServerWatch, seed_: dict[str, Any], params: dict[str, Any], dl: Deadline
) -> dict[str, Any]:
    """bench.run's "20 concurrent clients over 10 spaces", on ``server``."""
    people = [bc.sign_in(server.base, login, seed_["password"]) for login in seed_["users"]]
    home: dict[int, str] = {}
    for room in seed_["rooms"]:
        for m in room["members"][:2]:
            home.setdefault(m, room["id"])
    clients = min(params["clients"], len(people))
    per = params["conc_total"] // clients
    jobs = [
        bc.Job(who=people[u], count=per, space_id=home[u], label="spread") for u in range(clients)
    ]
    watch.start()
    try:
        result = concurrent_load(
            server.base, jobs, params["client_processes"], dl, watch, unit="posts"
        )
    finally:
        watch.stop()
    return result | {"rss_end_mib": mib(watch.rss()), "rss_peak_mib": mib(watch.peak)}


def run(params: dict[str, Any], work: Path, dl: Deadline) -> dict[str, Any]:
    if work.exists():
        shutil.rmtree(work)
    results: dict[str, Any] = {
        "params": params,
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }

    # SQLite, one process: bench.run's server.
    lite = work / "sqlite"
    (lite / "data").mkdir(parents=True)
    env = server_env(lite / "data")
    seeded = seed(env, lite, params)
    server = start_server(env, lite / "server.log")
    try:
        results["sqlite_1"] = spread(server, ServerWatch(server.process.pid), seeded, params, dl)
    finally:
        server.stop()
    print("SQLite, 1 worker", results["sqlite_1"], flush=True)

    # PostgreSQL + Redis, two workers, on a scratch database.
    name = f"renkei_bench_multi_{os.getpid()}"
    pg = work / "postgres"
    (pg / "data").mkdir(parents=True)
    env = server_env(pg / "data") | {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
        "REDIS_URL": REDIS_URL,
    }
    psql(f"CREATE DATABASE {name}")
    try:
        seeded = seed(env, pg, params)
        server = start_server(env, pg / "server.log", workers=2)
        try:
            results["postgres_2"] = spread(
                server, WorkersWatch(server.process.pid), seeded, params, dl
            )
        finally:
            server.stop()
    finally:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print("PostgreSQL + Redis, 2 workers", results["postgres_2"], flush=True)
    return results


def write_report(results: dict[str, Any], out: Path) -> None:
    """Replace this benchmark's section of ``out`` (other sections are kept)."""
    m = results["machine"]
    rows = [("SQLite, 1 uvicorn worker", results["sqlite_1"])]
    rows.append(("PostgreSQL + Redis, 2 uvicorn workers", results["postgres_2"]))
    lines = [
        "## PostgreSQL + Redis, 2 workers (`make bench-multi`)",
        "",
        f"Measured {results['date']} on commit {m['commit']} ({m['nproc']} cores, {m['cpu']}). "
        f"{load_note(m)}The measure is `make bench`'s 20 concurrent clients "
        f"posting over 10 spaces ({results['params']['conc_total']} posts from "
        f"{results['params']['client_processes']} client processes on the same machine), "
        "both servers seeded the same way in the same run.",
        "",
        "| server | posts/s | median | p95 | server CPU per post | RSS after (peak) | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, r in rows:
        lines.append(
            f"| {label} | {r['posts_per_s']} | {r['median_ms']} ms | {r['p95_ms']} ms | "
            f"{r['server_cpu_ms_per_post']} ms | {r['rss_end_mib']} MiB ({r['rss_peak_mib']}) "
            f"| {r['errors']} |"
        )
    ratio = results["postgres_2"]["posts_per_s"] / max(0.1, results["sqlite_1"]["posts_per_s"])
    lines += [
        "",
        f"PostgreSQL with 2 workers posts at {ratio:.2f}× the single SQLite process's rate.",
        "",
    ]
    write_section(out, "bench-multi", lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny counts: checks the harness only")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks-scale.md")
    ap.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "multi")
    ap.add_argument("--max-seconds", type=float, default=600)
    args = ap.parse_args()
    params = dict(QUICK if args.quick else FULL)
    results = run(params, args.work, Deadline(args.max_seconds))
    (args.work / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    write_report(results, args.out)
    print(f"wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
