"""Writing and reading the encrypted backup: the database and the file store in one file.

The plaintext inside the encryption (renkei.backups.crypto) is a tar stream:

- ``database/sqlite3``: a consistent copy of the SQLite database (``VACUUM INTO``: one read
  transaction, and no free pages, so no remnant of deleted rows), or
  ``database/postgresql.dump``: ``pg_dump`` custom format, taken in the snapshot the row
  counts were read in;
- ``store/<folder>/...``: the stored files (attachments and consent scans under ``files``,
  signed pledges under ``pledges``, CSV exports under ``exports``), already encrypted with
  their space's or facility's key;
- ``manifest.json`` last: format, time, database vendor, row counts per table, migrations,
  the SHA-256 and size of every part, and a fingerprint of the master key.

Never inside: the secret key, the master key, the backup key, the deletion ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from renkei.backups.crypto import BackupError, DecryptingReader, EncryptingWriter

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_PART = "database/sqlite3"
POSTGRES_PART = "database/postgresql.dump"
# The folders of DATA_DIR that hold stored data. Not: the database file, the keys, the
# ledger, static files (collected again), mail written in embedded mode.
STORED_FOLDERS = ("files", "pledges", "exports")
_BLOCK = 1 << 16
_NAME = re.compile(r"^(database/(sqlite3|postgresql\.dump)|store/[^\x00]+|manifest\.json)$")
# Tables counted in the summary an operator reads; every table is counted in the manifest.
SUMMARY = {
    "members": "accounts_member",
    "facilities": "facilities_facility",
    "spaces": "spaces_space",
    "posts": "timeline_post",
    "attachments": "attachments_attachment",
}


def master_key_fingerprint() -> str:
    """A fingerprint of the master key (not the key): restore checks it is the same one."""
    return hashlib.sha256(f"renkei-master-fingerprint:{settings.MASTER_KEY}".encode()).hexdigest()[
        :16
    ]


def restore_marker() -> Path:
    return Path(settings.DATA_DIR) / "restore-in-progress"


# Writing --------------------------------------------------------------------------------------


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from Django's settings (password by env)."""
    db = connection.settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} が見つかりません。サーバーと同じ版の PostgreSQL クライアントを入れてください。"
            f" / {name} is not on PATH: install the PostgreSQL client of the server's version."
        )
    return path


def _table_counts(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _dump_database(workdir: Path) -> tuple[str, Path, dict[str, int]]:
    """A consistent copy of the database in ``workdir``: (part name, path, rows per table)."""
    tables = sorted(connection.introspection.table_names())
    if connection.vendor == "sqlite":
        path = workdir / "database.sqlite3"
        source = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.execute("VACUUM INTO ?", (str(path),))
        finally:
            source.close()
        copy = sqlite3.connect(path)
        try:
            counts = _table_counts(copy.cursor(), tables)
        finally:
            copy.close()
        return SQLITE_PART, path, counts
    if connection.vendor == "postgresql":
        path = workdir / "database.dump"
        args, env = _pg_environment()
        with transaction.atomic(), connection.cursor() as cursor:
            # pg_dump reads in this transaction's snapshot, so the counts describe the dump.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _table_counts(cursor, tables)
            done = subprocess.run(  # noqa: S603  (fixed program, arguments from settings)
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot}", "--file", str(path), *args],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return POSTGRES_PART, path, counts
    raise BackupError(f"unsupported database: {connection.vendor}")


def _stored_files() -> Iterator[tuple[str, Path]]:
    base = Path(settings.DATA_DIR)
    for folder in STORED_FOLDERS:
        root = base / folder
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            # Temporary names (".x.part") are half-written files, never a stored one.
            if path.is_file() and not path.name.startswith("."):
                yield f"store/{path.relative_to(base).as_posix()}", path


class _Hashing:
    """Reads a file while hashing what was read."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.sha256.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, path: Path) -> tuple[str, int]:
    with open(path, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(time.time())
        hashing = _Hashing(source)
        tar.addfile(info, hashing)
    return hashing.sha256.hexdigest(), size


@dataclass
class Written:
    """What ``write_backup`` put in the file."""

    manifest: dict[str, Any]
    size: int


def write_backup(out_path: Path, backup_key: bytes) -> Written:
    """Write the encrypted backup to ``out_path`` (via a temporary name, so a failed backup
    leaves no file that looks whole)."""
    out_path = out_path.resolve()
    temporary = out_path.with_name(f".{out_path.name}.part")
    workdir = Path(tempfile.mkdtemp(prefix=".backup-", dir=settings.DATA_DIR))
    try:
        part, dump, counts = _dump_database(workdir)
        with open(temporary, "wb") as raw:
            os.chmod(temporary, 0o600)
            writer = EncryptingWriter(raw, backup_key)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                digest, size = _add(tar, part, dump)
                dump.unlink()
                files: dict[str, dict[str, Any]] = {}
                for name, path in _stored_files():
                    try:
                        file_digest, file_size = _add(tar, name, path)
                    except FileNotFoundError:
                        continue  # erased since it was listed
                    files[name] = {"sha256": file_digest, "bytes": file_size}
                manifest = {
                    "format": FORMAT,
                    "created_at": timezone.now().isoformat(),
                    "database": {
                        "vendor": connection.vendor,
                        "part": part,
                        "sha256": digest,
                        "bytes": size,
                        "tables": counts,
                    },
                    "migrations": _migrations(),
                    "counts": {key: counts.get(table, 0) for key, table in SUMMARY.items()}
                    | {"files": len(files), "file_bytes": sum(f["bytes"] for f in files.values())},
                    "files": files,
                    "master_key": master_key_fingerprint(),
                }
                body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(body), 0o600, int(time.time())
                tar.addfile(info, _Bytes(body))
            writer.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, out_path)
        return Written(manifest=manifest, size=out_path.stat().st_size)
    finally:
        temporary.unlink(missing_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.at + size
        chunk, self.at = self.data[self.at : end], min(end, len(self.data))
        return chunk


def _migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


# Reading --------------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    pure = PurePosixPath(name)
    if (
        not _NAME.match(name)
        or str(pure) != name
        or pure.is_absolute()
        or any(p in ("", ".", "..") for p in pure.parts)
        or (
            name.startswith("store/")
            and (len(pure.parts) < 3 or pure.parts[1] not in STORED_FOLDERS)
        )
    ):
        raise BackupError(f"unexpected entry in the backup: {name!r}")
    return name


@contextmanager
def _entries(path: Path, backup_key: bytes) -> Iterator[Iterator[tuple[str, IO[bytes]]]]:
    """The backup's entries as (name, stream); every byte is authenticated before it is given,
    and the whole file is read to its authenticated end."""
    with open(path, "rb") as raw:
        reader = DecryptingReader(raw, backup_key)
        try:
            # Closed with the file: the stream is read only through walk() below.
            tar = tarfile.open(fileobj=reader, mode="r|")  # type: ignore[call-overload]  # noqa: SIM115
        except tarfile.TarError as exc:
            raise BackupError(f"the backup's content is not readable: {exc}") from exc

        def walk() -> Iterator[tuple[str, IO[bytes]]]:
            try:
                for member in tar:
                    name = _safe_name(member.name)
                    if not member.isreg():
                        raise BackupError(f"unexpected entry in the backup: {name!r}")
                    stream = tar.extractfile(member)
                    assert stream is not None
                    yield name, stream
            except tarfile.TarError as exc:
                raise BackupError(f"the backup's content is not readable: {exc}") from exc
            reader.drain()

        yield walk()


def _copy(stream: IO[bytes], out: BinaryIO | None) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while block := stream.read(_BLOCK):
        digest.update(block)
        size += len(block)
        if out is not None:
            out.write(block)
    return digest.hexdigest(), size


def verify_backup(path: Path, backup_key: bytes) -> dict[str, Any]:
    """Read the whole backup, authenticating every chunk and checking every part against the
    manifest; writes nothing. Returns the manifest."""
    seen: dict[str, tuple[str, int]] = {}
    manifest: dict[str, Any] | None = None
    with _entries(path, backup_key) as entries:
        for name, stream in entries:
            if name == MANIFEST:
                manifest = json.loads(stream.read())
            else:
                seen[name] = _copy(stream, None)
    if manifest is None or manifest.get("format") != FORMAT:
        raise BackupError("the backup has no manifest of a known format")
    expected = {name: (f["sha256"], f["bytes"]) for name, f in manifest["files"].items()}
    database = manifest["database"]
    expected[database["part"]] = (database["sha256"], database["bytes"])
    if seen != expected:
        raise BackupError("the backup's parts do not match its manifest")
    return manifest


@dataclass
class Restored:
    """What ``restore_backup`` brought back."""

    manifest: dict[str, Any]
    tables: dict[str, int]


def installation_problems() -> list[str]:
    """Why this installation is not empty enough to restore onto (an empty list if it is)."""
    from renkei.accounts.models import Member
    from renkei.facilities.models import Facility
    from renkei.spaces.models import Space

    problems = []
    tables = set(connection.introspection.table_names())
    for model in (Member, Facility, Space):
        if model._meta.db_table in tables and model._base_manager.exists():
            problems.append(f"the database already holds {model._meta.verbose_name_plural}")
    base = Path(settings.DATA_DIR)
    for folder in STORED_FOLDERS:
        root = base / folder
        if root.exists() and any(p.is_file() for p in root.rglob("*")):
            problems.append(f"{root} already holds files")
    return problems


def restore_backup(path: Path, backup_key: bytes, manifest: dict[str, Any]) -> Restored:
    """Bring back the database and the files of an already verified backup. The files go to a
    staging folder first (authenticated and checked again as they are read); the database is
    loaded, then the folders are moved into place."""
    base = Path(settings.DATA_DIR)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=base))
    expected = {name: f["sha256"] for name, f in manifest["files"].items()}
    expected[manifest["database"]["part"]] = manifest["database"]["sha256"]
    try:
        with _entries(path, backup_key) as entries:
            for name, stream in entries:
                if name == MANIFEST:
                    stream.read()
                    continue
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as out:
                    digest, _size = _copy(stream, out)
                if expected.get(name) != digest:
                    raise BackupError(f"{name} changed since the backup was checked")
        _load_database(staging / manifest["database"]["part"], manifest["database"]["vendor"])
        for folder in STORED_FOLDERS:
            source = staging / "store" / folder
            if source.exists():
                target = base / folder
                if target.exists():
                    shutil.rmtree(target)  # empty: checked by installation_problems
                os.replace(source, target)
        with connection.cursor() as cursor:
            tables = _table_counts(cursor, sorted(manifest["database"]["tables"]))
        return Restored(manifest=manifest, tables=tables)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _load_database(dump: Path, vendor: str) -> None:
    connection.close()
    if vendor == "sqlite":
        source = sqlite3.connect(dump)
        target = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    args, env = _pg_environment()
    done = subprocess.run(  # noqa: S603  (fixed program, arguments from settings)
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", *args, str(dump)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
