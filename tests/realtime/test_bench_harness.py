"""The benchmark harness (``make bench``) runs end to end: with tiny counts, a real server,
members who sign in, posts through the API and live delivery all work and the report is
written. A smoke test of the harness only: it asserts no timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.bench


def test_the_bench_runs_with_tiny_counts_and_writes_its_report(tmp_path: Path) -> None:
    report, figures = tmp_path / "benchmarks.md", tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--quick",
            "--out",
            str(report),
            "--json",
            str(figures),
            "--work",
            str(tmp_path / "work"),
            "--max-seconds",
            "120",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    results = json.loads(figures.read_text())
    params = results["params"]
    assert results["seq_send"]["n"] == params["seq"]
    for measure in ("conc_send_spread", "conc_send_one_room"):
        assert results[measure]["errors"] == 0, results[measure]
        assert results[measure]["n"] == params["conc_total"]
    assert results["ceiling"]["errors"] == 0
    assert results["history_fetch"]["posts_per_page"] == 50
    assert results["search"]["n"] == params["searches"]
    assert all(results["search"]["hits_per_query"].values())  # every query finds something
    assert results["e2e_delivery"] == results["e2e_delivery"] | {"n": params["live"], "lost": 0}
    text = report.read_text()
    assert "# Benchmarks" in text
    assert "Quick run with tiny counts" in text
    assert f"SQLite {results['machine']['sqlite']}" in text
