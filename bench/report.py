"""docs/benchmarks.md from one run's figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The peer's figures as its README gives them for this kind of machine; not measured in this
# run, so shown for orientation only (a same-run comparison is ``make bench-peer``'s job).
PEER_README = {
    "seq_send": "15.8 / 20.5 ms",
    "conc_send_spread": "75 posts/s, 12.5 ms CPU per post",
    "conc_send_one_room": "105 posts/s",
    "history_fetch": "7.2 / 10.5 ms",
    "e2e_delivery": "25 / 33 ms",
    "rss": "100 → 163 MiB",
}


def _ms(row: dict[str, Any]) -> str:
    return f"{row['median_ms']} / {row['p95_ms']} ms"


def write_report(results: dict[str, Any], out: Path, *, quick: bool = False) -> None:
    m = results["machine"]
    p = results["params"]
    seq, spread, one = (
        results["seq_send"],
        results["conc_send_spread"],
        results["conc_send_one_room"],
    )
    hist, live, ceiling = results["history_fetch"], results["e2e_delivery"], results["ceiling"]
    search = results["search"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench.run`); the raw figures of the last run are in "
        "`var/bench/results.json`.",
        "",
    ]
    if quick:
        lines += [
            "**Quick run with tiny counts: these figures check the harness, nothing else.**",
            "",
        ]
    lines += [
        "## The run",
        "",
        f"- Date: {results['date']}; commit `{m['commit']}`; whole run {results['total_s']} s.",
        f"- Machine: {m['nproc']} cores ({m['cpu'] or 'unknown CPU'}), {m['memory_gib']} GiB "
        f"memory, {m['os']}; Python {m['python']}, SQLite {m['sqlite']}.",
        "- Server: one uvicorn worker serving the whole ASGI application (pages, API, live "
        "connections), SQLite in WAL mode with `synchronous=FULL`, the in-memory channel layer, "
        "a scratch data folder under `var/bench/`. Clients on the same machine, loopback only.",
        f"- Region: {p['users']} members who sign in through the sign-in page "
        f"({results['setup'].get('sign_in_ms_per_member')} ms each, Argon2), "
        f"{p['rooms']} groups of {p['members']} made through the real actions, one group of "
        f"all, and a history group of {hist['space_posts']:,} posts written as rows (only read).",
        "- Every post is `POST /api/v1/spaces/{id}/posts` with the member's session cookie, the "
        "CSRF token and a fresh client id: session guard, permission check, the post, its audit "
        "event, notification rows for the other members and the live publish, each time.",
        "- Latencies are medians / p95 (nearest rank) over the requests of the measure; "
        "throughput is requests over the wall time from the common start to the last answer; "
        "server CPU is the server process's user + system time over the measure, per request.",
        "",
        "## Figures",
        "",
        "| measure | n | median / p95 | throughput | server CPU per request |",
        "|---|---|---|---|---|",
        f"| trivial endpoint `/healthz` (ceiling), {ceiling['clients']} clients | {ceiling['n']} | "
        f"{_ms(ceiling)} | {ceiling['requests_per_s']} req/s | "
        f"{ceiling['server_cpu_ms_per_request']} ms |",
        f"| sequential posts, one client | {seq['n']} | {_ms(seq)} | "
        f"{seq['posts_per_s']} posts/s | {seq['server_cpu_ms_per_post']} ms |",
        f"| {spread['clients']} clients posting over {p['rooms']} spaces | {spread['n']} | "
        f"{_ms(spread)} | {spread['posts_per_s']} posts/s | "
        f"{spread['server_cpu_ms_per_post']} ms |",
        f"| {one['clients']} clients posting into one space | {one['n']} | {_ms(one)} | "
        f"{one['posts_per_s']} posts/s | {one['server_cpu_ms_per_post']} ms |",
        f"| first page ({hist['posts_per_page']}) of a timeline of {hist['space_posts']:,} posts | "
        f"{hist['n']} | {_ms(hist)} | | |",
        f"| send → receive over the live connection | {live['n']} (lost {live['lost']}) | "
        f"{_ms(live)} | | |",
        f"| search (`GET /api/v1/search`, 20 hits) over the {search['posts_readable']:,} posts "
        f"the member may read | {search['n']} | {_ms(search)} | | |",
        "",
        f"Server memory (RSS): {results['rss_start_mib']} MiB after sign-in, "
        f"{results['rss_end_mib']} MiB after the load (peak {results['rss_peak_mib']} MiB). "
        f"Server CPU over the whole load: {results['server_cpu_s_total']} s.",
        "",
    ]
    errors = [(k, results[k]) for k in ("ceiling", "conc_send_spread", "conc_send_one_room")]
    failed = [f"{k}: {v['errors']} ({v['first_error']})" for k, v in errors if v["errors"]]
    if failed:
        lines += ["Requests that failed: " + "; ".join(failed) + ".", ""]
    lines += [
        "## Reading the figures",
        "",
        f"- The clients run in {spread['client_processes']} processes of `httpx` on the same two "
        "cores as the server. One httpx client saturates near 750 requests/s on this kind of "
        "machine, so the ceiling row measures the clients as much as the server; the posting "
        "rows, far below it, measure the server.",
        "- The live figure includes the post's own HTTP request: the clock starts when the sender "
        "sends and stops when the receiver's WebSocket delivers the post, after the server has "
        "committed it, re-checked the receiver's membership and built the post as they see it.",
        "- `/healthz` is a Django view behind the whole middleware stack (sessions, session "
        "guard, origin, locale), not a bare ASGI callable: it is the ceiling of a request "
        "through Django on this server, not of uvicorn alone.",
        "- Search: the reader belongs to the history group and a records group of varied "
        "posts (written as rows; the index's triggers index them as they are written); the "
        "queries alternate " + ", ".join(f"「{q}」" for q in search["queries"]) + " — one, two "
        "and more characters — each asking for the newest 20 hits of the member's spaces.",
        "",
        "## What the measurements have changed so far",
        "",
        "- The first page of the 10,000-post timeline took 100–200 ms: the page's 了解 counts "
        "came from a join with GROUP BY, which SQLite evaluated for every post of the space "
        "before the LIMIT. Counting them with a subquery per returned post "
        "(`renkei/timeline/queries.py`) made the query 3 ms; the number of queries per page "
        "was already constant (tests/timeline/test_query_counts.py).",
        "- Still to look at (the performance issue): the long tail of concurrent posting. "
        "Writers queue on SQLite's lock (IMMEDIATE transactions, busy timeout 20 s), and "
        "SQLite's busy handler polls rather than queues fairly, so a few posts wait seconds "
        "while the median stays near 100 ms; each request also opens a new SQLite connection "
        "(CONN_MAX_AGE 0) and runs its PRAGMAs.",
        "",
        "## For orientation: the peer's figures from its README",
        "",
        "Matrix Synapse, measured by `../shared/bench/peer_synapse.py` on this kind of machine "
        "(see its README). **Not measured in this run**, so not a ratio; the side-by-side run in "
        "one go is the job of the performance work that follows.",
        "",
        "| measure | Synapse (README) |",
        "|---|---|",
        f"| sequential send, median / p95 | {PEER_README['seq_send']} |",
        f"| 20 clients over 10 rooms | {PEER_README['conc_send_spread']} |",
        f"| 20 clients into one room | {PEER_README['conc_send_one_room']} |",
        f"| latest 50 of 10,000, median / p95 | {PEER_README['history_fetch']} |",
        f"| send → receive, median / p95 | {PEER_README['e2e_delivery']} |",
        f"| RSS idle → after load | {PEER_README['rss']} |",
        "",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
