"""``make bench-scale``: a region of 10,000 members, 5,000 patient groups and 1,000,000 posts,
and what its pages cost, written to docs/benchmarks-scale.md.

The region is generated as rows, in bulk, into a scratch SQLite database under
``var/bench/scale/``: facilities, members (all with the same real password hash), their
affiliations, patient groups with their patient record and their data key (made by
``renkei.spaces.keys.create_key``, as the action does), memberships (8 to 12 members a group,
the viewer in 40), posts (10 % of them replies) and each membership's read mark (most caught
up, the viewer's spaces with a few unread). The trigram search index is dropped while the
posts go in and rebuilt once after, which is what the triggers would have written. Not
written: audit events, notification rows and 了解 for the historical posts (no page measured
here reads them; the posting path that writes them is measured by ``make bench``).

Then a real uvicorn server serves the region; the viewer signs in through the sign-in page
and the space list, the first page of a timeline and search are timed over HTTP (p95), and
the queries each page runs are counted in-process (Django's ``CaptureQueriesContext``) with
the same signed-in session. The same is done on a small region (1 % of the size) for the
comparison: the counts must be equal.

    python -m bench.scale [--quick] [--out docs/benchmarks-scale.md]

To measure a change on the large region without generating it again each time, generate it
once into a folder of its own and time it there as often as needed:

    python -m bench.scale generate --work DIR    # the large region; --members etc. to change
    python -m bench.scale time --work DIR
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import client as bc
from bench.run import (
    ROOT,
    SEARCH_QUERIES,
    Deadline,
    load_note,
    machine,
    server_env,
    start_server,
    summary_ms,
)

PASSWORD = "Bench2026pass"  # noqa: S105  (the scratch region's own members, on loopback)
VIEWER_SPACES = 40
LARGE = {"members": 10000, "groups": 5000, "posts": 1000000}
SMALL = {"members": 100, "groups": 50, "posts": 10000}
QUICK = {"members": 60, "groups": 45, "posts": 3000}


# The generator (runs in its own process, with the scratch region's settings) -----------------


def generate(members: int, groups: int, posts: int, out: Path) -> None:
    """Write the region as rows; print progress; write the viewer's facts to ``out``."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")
    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from bench.seed import care_note  # sets Django up: only in the generator's process
    from renkei.accounts.models import Member, Profession
    from renkei.facilities.models import Affiliation, Facility, FacilityState
    from renkei.policy.models import PolicyValue
    from renkei.search import index
    from renkei.spaces.keys import create_key
    from renkei.spaces.models import Membership, MembershipState, PatientRecord, Space, SpaceKind
    from renkei.timeline.models import Post

    pick = random.Random(2026)
    now = timezone.now()
    t0 = time.perf_counter()

    def step(what: str) -> None:
        print(f"  {time.perf_counter() - t0:7.1f} s  {what}", flush=True)

    # The viewer searches and reads more than the default limit allows in a minute of measuring.
    for key, value in {"searches_per_minute": 1000, "searches_per_minute_address": 10000}.items():
        PolicyValue.objects.update_or_create(key=key, defaults={"value": value})
    professions = [p.value for p in Profession]
    password = make_password(PASSWORD)
    with transaction.atomic():
        facilities = Facility.objects.bulk_create(
            [
                Facility(
                    kind="clinic",
                    name=f"在宅クリニック {i}",
                    postal_code="351-0104",
                    address=f"埼玉県和光市南{i}-1",
                    tel=f"048-000-{i:04d}",
                    manager_name=f"院長 {i}",
                    pledge_date=date(2026, 4, 1),
                    state=FacilityState.ACTIVE,
                    decided_at=now,
                )
                for i in range(max(1, members // 100))
            ]
        )
        people = Member.objects.bulk_create(
            [
                Member(
                    login_id=f"scale{i:05d}",
                    name=f"規模 {i:05d}",
                    furigana=f"きぼ {i:05d}",
                    profession=professions[i % len(professions)],
                    email=f"scale{i:05d}@example.jp",
                    password=password,
                    is_active=True,
                    activated_at=now,
                )
                for i in range(members)
            ],
            batch_size=2000,
        )
        Affiliation.objects.bulk_create(
            [
                Affiliation(
                    member=m,
                    facility=facilities[i % len(facilities)],
                    number=i + 1,
                    registered_on=now.date() - timedelta(days=30),
                    is_admin=False,
                )
                for i, m in enumerate(people)
            ],
            batch_size=2000,
        )
    step(f"{members} members in {len(facilities)} facilities")

    with transaction.atomic():
        spaces = Space.objects.bulk_create(
            [
                Space(
                    kind=SpaceKind.PATIENT_GROUP,
                    name=f"患者 {i:04d} 様",
                    created_by=people[i % members],
                    lead_facility=facilities[i % len(facilities)],
                    created_at=now - timedelta(days=200),
                )
                for i in range(groups)
            ],
            batch_size=2000,
        )
        PatientRecord.objects.bulk_create(
            [
                PatientRecord(
                    space=s,
                    name=f"患者 {i:04d}",
                    furigana=f"かんじゃ {i:04d}",
                    birth_date=date(1935 + i % 50, 1 + i % 12, 1 + i % 28),
                    sex="female" if i % 2 else "male",
                    care_level=f"要介護{1 + i % 5}",
                )
                for i, s in enumerate(spaces)
            ],
            batch_size=2000,
        )
        for space in spaces:
            create_key(space)
        rosters: list[list[int]] = []
        rows = []
        viewer = people[0]
        for i, space in enumerate(spaces):
            size = pick.randint(8, 12)
            roster = pick.sample(range(1, members), min(size, members - 1))
            if i < VIEWER_SPACES:
                roster[0] = 0
            rosters.append(roster)
            rows += [
                Membership(
                    space=space,
                    member=people[m],
                    state=MembershipState.ACTIVE,
                    is_admin=k == 0,
                    joined_at=space.created_at,
                )
                for k, m in enumerate(roster)
            ]
        Membership.objects.bulk_create(rows, batch_size=5000)
    step(f"{groups} patient groups, {len(rows)} memberships, the viewer in {VIEWER_SPACES}")

    if connection.vendor == "sqlite":
        index.drop_sqlite_index(connection)
    made = 0
    batch = 20000
    # The viewer's spaces hold more posts than most: what a busy nurse reads.
    weights = [5 if i < VIEWER_SPACES else 1 for i in range(groups)]
    while made < posts:
        n = min(batch, posts - made)
        chosen = pick.choices(range(groups), weights=weights, k=n)
        objs = []
        for j, g in enumerate(chosen):
            roster = rosters[g]
            body = care_note(pick, pick.randint(1, 3))
            objs.append(
                Post(
                    space_id=spaces[g].pk,
                    author_id=people[roster[(made + j) % len(roster)]].pk,
                    body=body,
                    created_at=now - timedelta(seconds=posts - made - j),
                )
            )
        with transaction.atomic():
            Post.objects.bulk_create(objs, batch_size=2000)
        made += n
        if made % 200000 == 0 or made == posts:
            step(f"{made} posts")
    # One post in ten gets a reply: the newest reply-less top-level posts of each batch.
    with transaction.atomic():
        parents = list(
            Post.objects.filter(parent__isnull=True)
            .order_by("-pk")
            .values_list("pk", "space_id", "author_id")[: posts // 10]
        )
        Post.objects.bulk_create(
            [
                Post(space_id=s, author_id=a, parent_id=p, body="確認しました。")
                for p, s, a in parents
            ],
            batch_size=2000,
        )
        Post.objects.filter(pk__in=[p for p, _, _ in parents]).update(reply_count=1)
    step(f"{len(parents)} replies")
    if connection.vendor == "sqlite":
        index.create_sqlite_index(connection)
        step("search index rebuilt")

    with transaction.atomic():
        newest = Post.objects.filter(space=OuterRef("pk")).order_by("-pk").values("pk")[:1]
        # Coalesce: a space may have no post (or fewer than six) when few posts are asked for.
        Space.objects.update(last_post_id=Coalesce(Subquery(newest), 0), last_activity_at=now)
        Membership.objects.update(
            last_read_post_id=Coalesce(
                Subquery(Space.objects.filter(pk=OuterRef("space_id")).values("last_post_id")[:1]),
                0,
            )
        )
        # The viewer has a few unread posts in each of their spaces.
        behind = (
            Post.objects.filter(space=OuterRef("space_id"), parent__isnull=True)
            .order_by("-pk")
            .values("pk")[5:6]
        )
        Membership.objects.filter(member=viewer).update(
            last_read_post_id=Coalesce(Subquery(behind), 0)
        )
    step("read marks")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        step("ANALYZE")
    busiest = (
        Space.objects.filter(memberships__member=viewer)
        .order_by("-last_post_id")
        .values_list("public_id", flat=True)
        .first()
    )
    out.write_text(
        json.dumps(
            {
                "viewer": viewer.login_id,
                "space": str(busiest),
                "space_posts": Post.objects.filter(
                    space__memberships__member=viewer, space__last_post_id__gt=0
                )
                .filter(space__public_id=str(busiest))
                .values("pk")
                .distinct()
                .count(),
                "posts_total": Post.objects.count(),
                "members": Member.objects.count(),
                "groups": Space.objects.count(),
                "generate_s": round(time.perf_counter() - t0, 1),
            }
        )
    )


# The query counts (in its own process, the same session as the HTTP measures) ----------------


def count_queries(session: str, space: str, out: Path) -> None:
    """Queries of each measured URL, through the whole middleware stack, as the viewer."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT="python-httpx")
    client.cookies[bc.SESSION_COOKIE] = session
    counts: dict[str, int] = {}
    for name, url in urls(space).items():
        client.get(url)  # warm: the first request of a process reads the policy once
        with CaptureQueriesContext(connection) as ctx:
            answer = client.get(url)
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered {answer.status_code}")
        counts[name] = len(ctx.captured_queries)
    out.write_text(json.dumps(counts))


def urls(space: str) -> dict[str, str]:
    return {
        "space list (API)": "/api/v1/spaces",
        "space list (page)": "/spaces/",
        "timeline first page (API, 50)": f"/api/v1/spaces/{space}/posts?limit=50",
        "timeline (page)": f"/spaces/{space}/",
        "search (API, 20)": "/api/v1/search?q=血圧&limit=20",
        "search (page)": "/search/?q=血圧",
    }


# The run -------------------------------------------------------------------------------------


async def timed(base: str, who: bc.Credentials, space: str, n: int, dl: Deadline) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with bc.api_client(base, who, connections=1) as client:
        for name, url in urls(space).items():
            latencies = []
            for i in range(n):
                dl.check(name)
                if name.startswith("search"):
                    q = SEARCH_QUERIES[i % len(SEARCH_QUERIES)]
                    url = url.replace("血圧", q) if i else url
                t = time.perf_counter()
                answer = await client.get(url)
                answer.raise_for_status()
                latencies.append(time.perf_counter() - t)
            out[name] = summary_ms(latencies)
    return out


def measure(size: dict[str, int], work: Path, n: int, dl: Deadline) -> dict[str, Any]:
    make_region(size, work, dl)
    return time_region(work, n, dl)


def make_region(size: dict[str, int], work: Path, dl: Deadline) -> None:
    """A fresh scratch database under ``work``, migrated, with the region generated in it."""
    if work.exists():
        shutil.rmtree(work)
    data = work / "data"
    data.mkdir(parents=True)
    env = server_env(data)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    facts = work / "facts.json"
    args = ["--members", str(size["members"]), "--groups", str(size["groups"])]
    args += ["--posts", str(size["posts"]), "--facts", str(facts)]
    subprocess.run(
        [sys.executable, "-m", "bench.scale", "generate", *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=dl.left(),
    )


def time_region(work: Path, n: int, dl: Deadline) -> dict[str, Any]:
    """Serve the region generated under ``work``, time its pages over HTTP and count their
    queries; a region generated once can be measured again before and after a change."""
    data = work / "data"
    env = server_env(data)
    facts = work / "facts.json"
    result: dict[str, Any] = json.loads(facts.read_text())
    result["db_mib"] = round(sum(f.stat().st_size for f in data.glob("*.sqlite3*")) / 2**20, 1)
    server = start_server(env, work / "server.log")
    try:
        who = bc.sign_in(server.base, result["viewer"], PASSWORD)
        result["latency"] = asyncio.run(timed(server.base, who, result["space"], n, dl))
    finally:
        server.stop()
    counts = work / "counts.json"
    subprocess.run(
        [
            *(sys.executable, "-m", "bench.scale", "count", "--session", who.session),
            *("--space", result["space"], "--facts", str(counts)),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=max(10, dl.left()),
    )
    result["queries"] = json.loads(counts.read_text())
    return result


def write_report(results: dict[str, Any], out: Path) -> None:
    small, large, m = results["small"], results["large"], results["machine"]
    lines = [
        "## Data scale (`make bench-scale`)",
        "",
        f"Measured {results['date']} on commit {m['commit']}: {m['nproc']} cores ({m['cpu']}), "
        f"{m['memory_gib']} GiB, Python {m['python']}, SQLite {m['sqlite']}, {m['os']}.",
        *([load_note(m).strip()] if load_note(m) else []),
        "",
        "Generated as rows (see bench/scale.py for what is written and what is not) into a "
        "scratch SQLite database; one uvicorn worker; the viewer signed in through the sign-in "
        f"page and is a member of {VIEWER_SPACES} patient groups in both regions. Latency over "
        f"HTTP on loopback, {results['n']} requests each; queries counted in-process with the "
        "same session.",
        "",
        "| region | members | patient groups | posts | database | generated in |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in (("small", small), ("large", large)):
        lines.append(
            f"| {name} | {r['members']:,} | {r['groups']:,} | {r['posts_total']:,} | "
            f"{r['db_mib']} MiB | {r['generate_s']} s |"
        )
    lines += [
        "",
        "| page | p95 small | p95 large | target | queries small | queries large |",
        "|---|---|---|---|---|---|",
    ]
    for name in large["latency"]:
        p95s, p95l = small["latency"][name]["p95_ms"], large["latency"][name]["p95_ms"]
        qs, ql = small["queries"][name], large["queries"][name]
        met = "met" if p95l is not None and p95l < 100 else "**not met**"
        same = "" if qs == ql else " **(grows)**"
        lines.append(f"| {name} | {p95s} ms | {p95l} ms | < 100 ms: {met} | {qs} | {ql}{same} |")
    lines += [
        "",
        f"The viewer's busiest space holds {large['space_posts']:,} posts in the large region "
        f"({small['space_posts']:,} in the small one).",
        "",
    ]
    write_section(out, "bench-scale", lines)


def write_section(out: Path, name: str, lines: list[str]) -> None:
    """Replace the section ``name`` of ``out`` (between its start and end markers), keeping
    the others; a new section goes at the end."""
    start, end = f"<!-- {name}: start -->", f"<!-- {name}: end -->"
    text = out.read_text() if out.exists() else "# Benchmarks at scale\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
    else:
        head, tail = text.rstrip("\n") + "\n\n", "\n"
    out.write_text(head + "\n".join([start, *lines, end]) + tail)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "mode",
        nargs="?",
        default="run",
        choices=["run", "generate", "count", "time"],
        help="time: measure again the region already generated under --work",
    )
    ap.add_argument("--members", type=int)
    ap.add_argument("--groups", type=int)
    ap.add_argument("--posts", type=int)
    ap.add_argument("--facts", type=Path)
    ap.add_argument("--session")
    ap.add_argument("--space")
    ap.add_argument("--quick", action="store_true", help="tiny counts: checks the harness only")
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks-scale.md")
    ap.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "scale")
    ap.add_argument("--max-seconds", type=float, default=3000)
    args = ap.parse_args()
    if args.mode == "generate" and args.facts is not None:
        generate(args.members, args.groups, args.posts, args.facts)
        return
    if args.mode == "count":
        count_queries(args.session, args.space, args.facts)
        return
    dl = Deadline(args.max_seconds)
    if args.mode == "generate":
        size = {
            "members": args.members or LARGE["members"],
            "groups": args.groups or LARGE["groups"],
            "posts": args.posts or LARGE["posts"],
        }
        make_region(size, args.work, dl)
        return
    if args.mode == "time":
        print(json.dumps(time_region(args.work, args.requests, dl), ensure_ascii=False, indent=2))
        return
    results: dict[str, Any] = {
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "n": args.requests,
    }
    results["small"] = measure(
        SMALL if not args.quick else QUICK,
        args.work / "small",
        10 if args.quick else args.requests,
        dl,
    )
    print("small", results["small"], flush=True)
    results["large"] = measure(
        QUICK if args.quick else LARGE, args.work / "large", 10 if args.quick else args.requests, dl
    )
    print("large", results["large"], flush=True)
    (args.work / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    write_report(results, args.out)
    print(f"wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
