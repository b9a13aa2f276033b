"""``manage.py restore --from FILE``: bring a backup back onto an empty installation, then
apply the deletion ledger again before anyone is served (R3.5)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.backups.archive import (
    installation_problems,
    master_key_fingerprint,
    restore_backup,
    restore_marker,
    verify_backup,
)
from renkei.backups.crypto import BackupError, load_backup_key
from renkei.backups.ledger import Erasure, LedgerError, ledger_path, read_erasures
from renkei.backups.reapply import end_every_session, reapply


class Command(BaseCommand):
    help = (
        "Restore an encrypted backup onto an empty installation (the server stopped), then apply"
        " the deletion ledger again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", help="the backup file")
        parser.add_argument("--key-file", help="a file holding the backup key")
        parser.add_argument(
            "--ledger",
            help="the deletion ledger, if it is not yet at this installation's ledger path",
        )
        parser.add_argument(
            "--without-ledger",
            action="store_true",
            help="restore although the deletion ledger is lost (deletions made after the"
            " backup must then be executed again by hand)",
        )
        parser.add_argument(
            "--reapply-ledger",
            action="store_true",
            help="only apply the deletion ledger again (after an interrupted restore)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["reapply_ledger"]:
                self._apply_ledger(self._erasures(options))
                return
            if not options["source"]:
                raise CommandError("--from FILE is required")
            self._restore(Path(options["source"]), options)
        except (BackupError, LedgerError) as exc:
            raise CommandError(str(exc)) from exc

    def _erasures(self, options: dict[str, Any]) -> list[Erasure]:
        """The ledger's deletions, checked before anything is written."""
        own = ledger_path()
        given = Path(options["ledger"]) if options.get("ledger") else None
        if given is None and not own.exists():
            if options.get("without_ledger"):
                self.stderr.write(
                    "警告: 削除台帳なしで復元します / Warning: restoring without the deletion"
                    " ledger; complete deletions made after this backup are NOT applied again."
                )
                return []
            raise LedgerError(
                f"削除台帳がありません。{own} に置くか --ledger で渡してください。"
                f" / No deletion ledger at {own}: copy it there or pass --ledger FILE."
            )
        erasures = read_erasures(given) if given else []
        if own.exists():
            known = {e.space_public_id for e in erasures}
            erasures += [e for e in read_erasures(own) if e.space_public_id not in known]
        elif given is not None:
            own.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(given, own)
            own.chmod(0o600)
        return erasures

    def _restore(self, source: Path, options: dict[str, Any]) -> None:
        key = load_backup_key(options["key_file"])
        if not source.is_file():
            raise BackupError(f"ファイルがありません / No such file: {source}")
        problems = installation_problems()
        if problems:
            raise BackupError(
                "空の環境にのみ復元できます / Restore only onto an empty installation: "
                + "; ".join(problems)
            )
        erasures = self._erasures(options)
        # Read and authenticate the whole file before writing anything.
        manifest = verify_backup(source, key)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                f"このバックアップは {vendor} のものです / This backup is of a {vendor} database;"
                f" this installation uses {connection.vendor}."
            )
        if manifest["master_key"] != master_key_fingerprint():
            raise BackupError(
                "マスター鍵が違います。バックアップ元と同じ RENKEI_MASTER_KEY を設定してください。"
                " / The master key differs from the one the backup was made under: set"
                " RENKEI_MASTER_KEY to that key (the spaces' data keys are wrapped under it)."
            )
        marker = restore_marker()
        marker.write_text(manifest["created_at"])
        restored = restore_backup(source, key, manifest)
        if restored.tables != manifest["database"]["tables"]:
            raise BackupError("restored row counts differ from the manifest")
        self.stdout.write(
            f"復元しました / Restored: backup of {manifest['created_at']}, "
            + ", ".join(f"{k} {v}" for k, v in manifest["counts"].items())
        )
        call_command("migrate", interactive=False, verbosity=0)
        ended = end_every_session()
        self._apply_ledger(erasures)
        with transaction.atomic():
            record(
                AuditAction.BACKUP_RESTORED,
                actor=None,
                actor_label="restore",
                detail={
                    "backup_created_at": manifest["created_at"],
                    "counts": manifest["counts"],
                    "sessions_ended": ended,
                },
            )
        self.stdout.write(
            f"全員のセッションを終了しました / Every session ended ({ended}):"
            " everyone signs in again."
        )

    def _apply_ledger(self, erasures: list[Erasure]) -> None:
        outcomes = reapply(erasures)
        again = [o for o in outcomes if o.result == "erased again"]
        self.stdout.write(
            f"削除台帳: {len(outcomes)} 件、うち再削除 {len(again)} 件"
            f" / Deletion ledger: {len(outcomes)} entries, {len(again)} erased again"
        )
        for outcome in again:
            self.stdout.write(f"  {outcome.erasure.space_public_id}: {outcome.counts}")
        restore_marker().unlink(missing_ok=True)
