"""A server killed with SIGKILL while members post loses no answered post and doubles none.

A real uvicorn process serves a scratch SQLite region (its own data folder, not the test
database); several members post through the JSON API from threads, each post with its own
client id. The server is killed mid-load and started again on the same files. Every post whose
request was answered 201 is there exactly once, as the post the answer named; each send that
got no answer is sent again with the same client id and is then there exactly once too; the
audit trail's hash chain still verifies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from bench import client as bc
from bench.run import ROOT, server_env, start_server

SEED_ARGS = ["--users", "4", "--rooms", "2", "--members", "3", "--history", "0", "--search-posts"]
# Enough answered posts that the kill lands in the middle of a steady load, not at its start.
ANSWERED_BEFORE_KILL = 40
LOAD_LIMIT_S = 15.0

PROBE = """
import json
from django.db.models import Count
from renkei.audit.record import verify_chain
from renkei.timeline.models import Post
rows = Post.objects.exclude(client_id="").values("client_id").annotate(n=Count("id"))
ids = dict(Post.objects.exclude(client_id="").values_list("client_id", "public_id"))
checked, broken = verify_chain()
print(json.dumps({
    "counts": {r["client_id"]: r["n"] for r in rows},
    "ids": {k: str(v) for k, v in ids.items()},
    "audit_checked": checked,
    "audit_broken": broken.pk if broken is not None else None,
}))
"""


@dataclass
class Sent:
    """What the clients know: every client id sent, and the post named by each 201 answer."""

    sent: dict[str, tuple[bc.Credentials, str, str]] = field(default_factory=dict)
    answered: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(base: str, who: bc.Credentials) -> httpx.Client:
    return httpx.Client(
        base_url=base, cookies=who.cookies, headers={"X-CSRFToken": who.csrf}, timeout=10
    )


def _send(client: httpx.Client, space_id: str, body: str, client_id: str) -> httpx.Response:
    return client.post(
        f"/api/v1/spaces/{space_id}/posts", json={"body": body, "client_id": client_id}
    )


def _poster(base: str, who: bc.Credentials, space_id: str, log: Sent, stop: threading.Event):
    """Post until told to stop or until the server goes away; record sends and answers."""
    with _client(base, who) as client:
        n = 0
        while not stop.is_set():
            client_id = uuid.uuid4().hex
            body = f"停止試験 {who.login_id} {n} 訪問後の報告です"
            n += 1
            with log.lock:
                log.sent[client_id] = (who, space_id, body)
            try:
                answer = _send(client, space_id, body, client_id)
            except httpx.HTTPError:
                return  # the server was killed: this send may or may not have been committed
            with log.lock:
                if answer.status_code == 201:
                    log.answered[client_id] = answer.json()["id"]
                else:
                    log.refused.append(f"{answer.status_code}: {answer.text[:200]}")
                    return


def _probe(env: dict[str, str]) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture
def scratch_region(tmp_path: Path) -> tuple[dict[str, str], dict, Path]:  # type: ignore[type-arg]
    data = tmp_path / "data"
    data.mkdir()
    env = server_env(data)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=240,  # migrating takes long on a machine busy with other suites
    )
    seed_file = tmp_path / "seed.json"
    with (tmp_path / "seed.log").open("wb") as log:
        subprocess.run(
            [sys.executable, "-m", "bench.seed", *SEED_ARGS, "0", "--out", str(seed_file)],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=240,
        )
    return env, json.loads(seed_file.read_text()), tmp_path


def test_every_answered_post_survives_a_sigkill_exactly_once(scratch_region):
    env, seed, work = scratch_region
    server = start_server(env, work / "server.log")
    try:
        people = [bc.sign_in(server.base, login, seed["password"]) for login in seed["users"]]
        # Two members per space, so that posts of one space queue behind each other too.
        home = {m: room["id"] for room in seed["rooms"] for m in room["members"][:2]}
        homes = [home[i] for i in range(len(people))]
        log, stop = Sent(), threading.Event()
        threads = [
            threading.Thread(target=_poster, args=(server.base, who, home, log, stop))
            for who, home in zip(people, homes, strict=True)
        ]
        for thread in threads:
            thread.start()
        until = time.monotonic() + LOAD_LIMIT_S
        while (
            len(log.answered) < ANSWERED_BEFORE_KILL
            and not log.refused
            and time.monotonic() < until
        ):
            time.sleep(0.02)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        assert not any(t.is_alive() for t in threads)
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(timeout=10)

    assert not log.refused, log.refused
    assert len(log.answered) >= ANSWERED_BEFORE_KILL, "the load never got going"
    before = _probe(env)
    for client_id, post_id in log.answered.items():
        assert before["counts"].get(client_id) == 1, client_id
        assert before["ids"][client_id] == post_id
    assert all(n == 1 for n in before["counts"].values())
    assert before["audit_broken"] is None

    # Started again on the same files, the server takes the unanswered sends once each: a
    # retry finds the post its first send committed, or makes it now.
    unanswered = [c for c in log.sent if c not in log.answered]
    retried = {200: 0, 201: 0}
    server = start_server(env, work / "server-again.log")
    try:
        for client_id in unanswered:
            who, space_id, body = log.sent[client_id]
            with _client(server.base, who) as client:
                answer = _send(client, space_id, body, client_id)
            # 201 when the first send never reached the database, 200 when it had: the retry
            # then answers the post it made.
            assert answer.status_code in {200, 201}, answer.text
            retried[answer.status_code] += 1
            log.answered[client_id] = answer.json()["id"]
    finally:
        server.stop()

    after = _probe(env)
    assert set(after["counts"]) == set(log.sent)
    assert all(n == 1 for n in after["counts"].values())
    for client_id, post_id in log.answered.items():
        assert after["ids"][client_id] == post_id
    assert after["audit_broken"] is None
    # Each retry that made its post now audited it; one that found its post audited nothing.
    assert after["audit_checked"] >= before["audit_checked"] + retried[201]
