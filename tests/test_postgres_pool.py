"""On PostgreSQL, the connections of a server process come from one bounded pool: a request's
thread gives its connection back when the request ends, and the next thread takes it again
instead of opening a new one (renkei/settings.py)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections


@pytest.mark.django_db(transaction=True)
def test_request_threads_share_pooled_connections():
    if connection.vendor != "postgresql":
        pytest.skip("the pool belongs to the PostgreSQL settings")
    most = connection.settings_dict["OPTIONS"]["pool"]["max_size"]
    backends: list[int] = []

    def request() -> None:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backends.append(cursor.fetchone()[0])
        connections["default"].close()

    for _ in range(most + 5):
        t = threading.Thread(target=request)
        t.start()
        t.join(10)
    assert len(backends) == most + 5
    # The pool hands its connections out in turn, but never opens more than max_size.
    assert len(set(backends)) <= most
