"""The server process caps glibc's malloc arenas (renkei/arenas.py), set when renkei.asgi is
loaded: threads working with the GIL released end up sharing two arenas instead of a dozen."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Threads that allocate in SQLite with the GIL released, as the server's threads do; then
# glibc's own account of its arenas (malloc_info's <heap> elements).
_THREADS_AND_COUNT = textwrap.dedent(
    """
    import ctypes, ctypes.util, re, sqlite3, tempfile, threading

    def work():
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE t (x)")
        for _ in range(200):
            db.executemany("INSERT INTO t VALUES (?)", [("x" * 2000,)] * 50)
            db.execute("DELETE FROM t")

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fopen.restype = ctypes.c_void_p
    path = tempfile.mkstemp()[1]
    out = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(out))
    libc.fclose(ctypes.c_void_p(out))
    print(len(re.findall("<heap nr=", open(path).read())))
    """
)


def _arenas(prelude: str, env: dict[str, str] | None = None) -> int:
    done = subprocess.run(
        [sys.executable, "-c", prelude + _THREADS_AND_COUNT],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "renkei.settings", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def glibc() -> None:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name or not hasattr(ctypes.CDLL(name), "malloc_info"):
        pytest.skip("glibc only")


def test_loading_the_server_caps_the_arenas(glibc, tmp_path):
    env = {"RENKEI_DATA_DIR": str(tmp_path)}
    uncapped = _arenas("", env)
    if uncapped <= 2:
        pytest.skip("these threads made no extra arena on this machine")
    assert _arenas("import renkei.asgi\n", env) <= 2


def test_an_operators_setting_stands(glibc, monkeypatch):
    from renkei.arenas import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
