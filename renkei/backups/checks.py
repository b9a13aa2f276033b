"""A system check that fails while a restore has not finished applying the deletion ledger,
so ``manage.py check --deploy`` refuses an installation that could still show erased groups."""

from __future__ import annotations

from typing import Any

from django.core import checks

from renkei.backups.archive import restore_marker


@checks.register("renkei")
def unfinished_restore(**kwargs: Any) -> list[checks.CheckMessage]:
    if restore_marker().exists():
        return [
            checks.Error(
                "A restore has not finished applying the deletion ledger.",
                hint="Run `manage.py restore --reapply-ledger` before serving anyone.",
                id="renkei.backups.E001",
            )
        ]
    return []
