"""The backup file's encryption: AES-256-GCM over chunks, so any size streams in bounded memory.

Layout: a header (magic, format version, a random salt, a random nonce prefix, a key check),
then frames of ``length (4 bytes) + ciphertext`` of at most ``CHUNK`` plaintext bytes each.
Each chunk's nonce is the prefix, the chunk's number and a flag set on the last chunk only,
and the header is every chunk's associated data: a reordered, dropped, appended or altered
chunk, a cut-off file or a changed header fails authentication. The key is derived (HKDF) from
the backup key and the file's salt; the backup key itself is never written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

MAGIC = b"RENKEI-BACKUP\n"
VERSION = 1
CHUNK = 1 << 20
_SALT = 16
_PREFIX = 7
_CHECK = 16
_TAG = 16
HEADER_SIZE = len(MAGIC) + 1 + _SALT + _PREFIX + _CHECK
KEY_MIN_LENGTH = 32
ENV_KEY = "RENKEI_BACKUP_KEY"


class BackupError(Exception):
    """A backup cannot be written or read; the message says why, for the operator."""


def load_backup_key(key_file: str | None) -> bytes:
    """The backup key from ``--key-file`` or RENKEI_BACKUP_KEY; refuses a missing or short key
    and the region's master or secret key (a backup must not open with the key it protects)."""
    if key_file:
        try:
            value = Path(key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise BackupError(
                f"バックアップ鍵のファイルを読めません / Cannot read the backup key file: {exc}"
            ) from exc
    else:
        value = os.environ.get(ENV_KEY, "").strip()
    if not value:
        raise BackupError(
            "バックアップ鍵がありません。環境変数 RENKEI_BACKUP_KEY か --key-file で"
            "渡してください。 / No backup key: set RENKEI_BACKUP_KEY or pass --key-file."
        )
    if len(value) < KEY_MIN_LENGTH:
        raise BackupError(
            f"バックアップ鍵が短すぎます（{KEY_MIN_LENGTH} 文字以上） / The backup key is too"
            f" short (at least {KEY_MIN_LENGTH} characters)."
        )
    if value in (settings.MASTER_KEY, settings.SECRET_KEY):
        raise BackupError(
            "バックアップ鍵にマスター鍵や秘密鍵は使えません / The backup key must differ from"
            " the master key and the secret key."
        )
    return value.encode("utf-8")


def _derive(backup_key: bytes, salt: bytes) -> tuple[AESGCM, bytes]:
    material = HKDF(
        algorithm=hashes.SHA256(), length=64, salt=salt, info=b"renkei-backup-v1"
    ).derive(backup_key)
    return AESGCM(material[:32]), material[32:]


def _key_check(check_key: bytes) -> bytes:
    return hmac.new(check_key, b"renkei-backup-key-check", hashlib.sha256).digest()[:_CHECK]


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


class EncryptingWriter:
    """A write-only file object: buffers plaintext and writes authenticated chunks to ``out``.
    ``close()`` writes the last chunk (and must be called, or the file is unreadable)."""

    def __init__(self, out: BinaryIO, backup_key: bytes) -> None:
        salt, self._prefix = os.urandom(_SALT), os.urandom(_PREFIX)
        self._aead, check_key = _derive(backup_key, salt)
        self._header = MAGIC + bytes([VERSION]) + salt + self._prefix + _key_check(check_key)
        self._out = out
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        out.write(self._header)

    def _emit(self, data: bytes, last: bool) -> None:
        if self._counter >= 2**32 - 1:
            raise BackupError("backup too large for one file")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), data, self._header)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def flush(self) -> None:
        """Chunks are written whole; nothing to flush before ``close()``."""

    def close(self) -> None:
        if not self._closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True


class DecryptingReader:
    """A read-only file object over an encrypted backup: every chunk is authenticated before
    any of its bytes is returned. Raises BackupError for a wrong key, an altered or cut-off
    file, or bytes after the last chunk."""

    def __init__(self, source: BinaryIO, backup_key: bytes) -> None:
        header = source.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
            raise BackupError(
                "Renkei のバックアップファイルではありません / Not a Renkei backup file."
            )
        version = header[len(MAGIC)]
        if version != VERSION:
            raise BackupError(f"未対応の形式です / Unsupported backup format {version}.")
        at = len(MAGIC) + 1
        salt, self._prefix = header[at : at + _SALT], header[at + _SALT : at + _SALT + _PREFIX]
        check = header[at + _SALT + _PREFIX :]
        self._aead, check_key = _derive(backup_key, salt)
        if not hmac.compare_digest(check, _key_check(check_key)):
            raise BackupError(
                "バックアップ鍵が違います / The backup key does not open this backup."
            )
        self._header = header
        self._source = source
        self._counter = 0
        self._buffer = b""
        self._pos = 0
        self._done = False

    def _next_chunk(self) -> None:
        length_bytes = self._source.read(4)
        if len(length_bytes) < 4:
            raise _damaged("it ends before its last chunk")
        (length,) = struct.unpack(">I", length_bytes)
        if length < _TAG or length > CHUNK + _TAG:
            raise _damaged("a chunk has an impossible length")
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise _damaged("it ends inside a chunk")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(
                    _nonce(self._prefix, self._counter, last), sealed, self._header
                )
            except InvalidTag:
                continue
            self._counter += 1
            # Only called once the buffer is used up: no copying of what is left.
            self._buffer, self._pos = plain, 0
            if last:
                self._done = True
                if self._source.read(1):
                    raise _damaged("bytes follow its last chunk")
            return
        raise _damaged(f"chunk {self._counter} fails authentication")

    def read(self, size: int = -1) -> bytes:
        parts = []
        wanted = size
        while wanted != 0:
            if self._pos >= len(self._buffer):
                if self._done:
                    break
                self._next_chunk()
                continue
            end = len(self._buffer) if wanted < 0 else min(len(self._buffer), self._pos + wanted)
            parts.append(self._buffer[self._pos : end])
            if wanted > 0:
                wanted -= end - self._pos
            self._pos = end
        return b"".join(parts)

    def drain(self) -> None:
        """Read and authenticate to the end, so a cut-off or extended file is caught."""
        while not self._done:
            self._next_chunk()
        self._buffer, self._pos = b"", 0


def _damaged(why: str) -> BackupError:
    return BackupError(
        f"バックアップファイルが壊れているか改ざんされています（{why}） / The backup file is"
        f" damaged or was altered ({why})."
    )
