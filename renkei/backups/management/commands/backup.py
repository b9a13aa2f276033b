"""``manage.py backup --out FILE``: one encrypted file with the database and the file store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.backups.archive import write_backup
from renkei.backups.crypto import BackupError, load_backup_key
from renkei.backups.ledger import LedgerError, ensure_ledger


class Command(BaseCommand):
    help = (
        "Write an encrypted backup (AES-256-GCM, key from RENKEI_BACKUP_KEY or --key-file) of the"
        " database and the file store to one file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="the backup file to write")
        parser.add_argument("--key-file", help="a file holding the backup key")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        try:
            key = load_backup_key(options["key_file"])
            if not out.parent.is_dir():
                raise BackupError(f"フォルダがありません / No such folder: {out.parent}")
            # Every installation that has backups has a ledger to keep beside them.
            ledger = ensure_ledger()
            written = write_backup(out, key)
        except (BackupError, LedgerError) as exc:
            raise CommandError(str(exc)) from exc
        counts = written.manifest["counts"]
        with transaction.atomic():
            record(
                AuditAction.BACKUP_WRITTEN,
                actor=None,
                actor_label="backup",
                detail={"counts": counts, "bytes": written.size},
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"バックアップを書きました / Backup written: {out} ({written.size} bytes)"
            )
        )
        self.stdout.write("  " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        self.stdout.write(
            f"  削除台帳（バックアップとは別に保管） / Deletion ledger (keep apart from backups):"
            f" {ledger}"
        )
