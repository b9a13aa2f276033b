"""``make bench-peer``: Matrix Synapse and Renkei measured in one run, side by side.

The peer is installed from PyPI into a scratch folder outside the repository (``--peer-dir``,
by default ``renkei-peer`` under the system's temporary folder), its configuration generated
and patched by ``../shared/bench/peer_synapse.py`` (loopback only, no federation, rate limits
raised), started, measured by that script, and stopped. Renkei's own suite (``bench.run``)
then runs the same workload on the same machine, and ``docs/benchmarks.md`` gets both with
the ratios. Nothing of the peer is written into the repository but its figures.

    python -m bench.peer [--peer-dir DIR] [--peer-script PATH] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.report import write_report
from bench.run import FULL, QUICK, ROOT, run

PEER_PORT = 8008  # the port peer_synapse.py's patched configuration listens on
PEER_PACKAGES = ["matrix-synapse", "httpx", "psutil", "uvicorn", "pyyaml"]


def _say(*parts: object) -> None:
    print("[peer]", *parts, flush=True)


def install_peer(peer_dir: Path) -> Path:
    """A virtualenv under ``peer_dir`` holding Synapse from PyPI; reused when it imports."""
    venv = peer_dir / "peer-venv"
    python = venv / "bin" / "python"
    ready = python.exists() and (
        subprocess.run(
            [str(python), "-c", "import synapse, httpx, psutil, yaml"],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if not ready:
        _say(f"installing {', '.join(PEER_PACKAGES)} into {venv}")
        peer_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True)
    version = subprocess.run(
        [str(python), "-c", "import synapse; print(synapse.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    _say(f"Synapse {version} in {venv}")
    return python


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _wait_until_up(base: str, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"{base}/_matrix/client/versions", timeout=1) as a:  # noqa: S310
                if a.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"Synapse did not answer on {base} within {seconds:.0f} s")


def _stop(pid_file: Path) -> None:
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + 20
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)


def measure_peer(
    python: Path, peer_dir: Path, script: Path, params: dict[str, Any], max_seconds: float
) -> dict[str, Any]:
    """A fresh homeserver (new config, empty SQLite), measured by ``peer_synapse.py bench``."""
    hs = peer_dir / "hs"
    if hs.exists():
        _stop(hs / "homeserver.pid")
        shutil.rmtree(hs)
    hs.mkdir(parents=True)
    if not _port_free(PEER_PORT):
        raise RuntimeError(f"port {PEER_PORT} is taken; stop what listens there first")
    subprocess.run(
        [
            str(python),
            "-m",
            "synapse.app.homeserver",
            "--server-name",
            "bench.local",
            "--config-path",
            "homeserver.yaml",
            "--generate-config",
            "--report-stats=no",
        ],
        cwd=hs,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run([str(python), str(script), "patch-config", str(hs)], check=True)
    subprocess.run(
        [str(python), "-m", "synapse.app.homeserver", "-c", "homeserver.yaml", "--daemonize"],
        cwd=hs,
        check=True,
    )
    out = peer_dir / "synapse.json"
    try:
        _wait_until_up(f"http://127.0.0.1:{PEER_PORT}", 60)
        command = [
            str(python),
            str(script),
            "bench",
            "--hs-config",
            str(hs / "homeserver.yaml"),
            "--out",
            str(out),
            "--max-seconds",
            str(max_seconds),
        ]
        # The same counts as Renkei's suite, so that --quick stays quick for both.
        for flag, key in [
            ("--users", "users"),
            ("--rooms", "rooms"),
            ("--members", "members"),
            ("--seq", "seq"),
            ("--clients", "clients"),
            ("--conc-total", "conc_total"),
            ("--history-msgs", "history"),
            ("--fetches", "fetches"),
            ("--e2e", "live"),
        ]:
            command += [flag, str(params[key])]
        with (peer_dir / "synapse-bench.log").open("wb") as log:
            subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)
    finally:
        _stop(hs / "homeserver.pid")
    figures: dict[str, Any] = json.loads(out.read_text())
    figures["version"] = subprocess.run(
        [str(python), "-c", "import synapse; print(synapse.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny counts: checks the harness only")
    ap.add_argument("--peer-dir", type=Path, default=Path(tempfile.gettempdir()) / "renkei-peer")
    ap.add_argument(
        "--peer-script", type=Path, default=ROOT.parent / "shared" / "bench" / "peer_synapse.py"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "results.json")
    ap.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "run")
    ap.add_argument("--max-seconds", type=float, default=900)
    ap.add_argument("--history", type=int, help="posts in the timeline read (both servers)")
    ap.add_argument("--conc-total", type=int, help="posts of each concurrent load (both servers)")
    ap.add_argument(
        "--peer-json",
        type=Path,
        help="the peer's figures of a run just made (its synapse.json) instead of measuring again",
    )
    args = ap.parse_args()
    peer_dir = args.peer_dir.resolve()
    if peer_dir.is_relative_to(ROOT):
        raise SystemExit("the peer's folder must lie outside the repository")
    script = args.peer_script.resolve()
    if not script.exists():
        raise SystemExit(f"the peer benchmark {script} is missing")
    params = dict(QUICK if args.quick else FULL)
    # Smaller counts when the machine is too busy for the peer to fill its timeline through
    # its API in time; the report prints every count it ran with.
    for key in ("history", "conc_total"):
        if getattr(args, key) is not None:
            params[key] = getattr(args, key)
    if args.peer_json:
        peer = json.loads(args.peer_json.read_text())
        peer["reused_from"] = str(args.peer_json)
    else:
        python = install_peer(peer_dir)
        started = time.monotonic()
        _say("measuring Synapse")
        peer = measure_peer(python, peer_dir, script, params, args.max_seconds)
        peer["wall_s"] = round(time.monotonic() - started, 1)
        peer["ended"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    _say(f"Synapse done in {peer['wall_s']} s; now Renkei")
    results = run(params, args.work, max_seconds=args.max_seconds)
    results["peer"] = peer
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    write_report(results, args.out, quick=args.quick)
    print(f"wrote {args.out} and {args.json}", flush=True)


if __name__ == "__main__":
    main()
