"""R2.3: the backup file's encryption. Every chunk is authenticated: a changed byte anywhere,
a cut-off file, appended bytes or a wrong key are refused; a file of many chunks streams."""

from __future__ import annotations

import io
import os

import pytest

from renkei.backups import crypto
from renkei.backups.crypto import BackupError, DecryptingReader, EncryptingWriter, load_backup_key

pytestmark = pytest.mark.rule("R2.3")

KEY = b"k" * 40


def _seal(data: bytes, key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key)
    for at in range(0, len(data), 777):
        writer.write(data[at : at + 777])
    writer.close()
    return out.getvalue()


def _open(blob: bytes, key: bytes = KEY) -> bytes:
    reader = DecryptingReader(io.BytesIO(blob), key)
    parts = []
    while chunk := reader.read(1000):
        parts.append(chunk)
    reader.drain()
    return b"".join(parts)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(crypto, "CHUNK", 4096)


def test_round_trip_over_many_chunks():
    data = os.urandom(4096 * 5 + 123)
    blob = _seal(data)
    assert data not in blob
    assert data[:64] not in blob
    assert _open(blob) == data


def test_empty_content_round_trips():
    assert _open(_seal(b"")) == b""


@pytest.mark.parametrize("where", [0, 20, crypto.HEADER_SIZE + 2, crypto.HEADER_SIZE + 10, -1])
def test_a_changed_byte_is_refused(where):
    blob = bytearray(_seal(os.urandom(10000)))
    blob[where] ^= 0x01
    with pytest.raises(BackupError):
        _open(bytes(blob))


def test_a_cut_off_file_is_refused():
    blob = _seal(os.urandom(10000))
    # Cut exactly at a chunk boundary: every chunk left is whole and genuine.
    first = crypto.HEADER_SIZE + 4 + 4096 + 16
    with pytest.raises(BackupError, match="ends before its last chunk"):
        _open(blob[:first])


def test_appended_bytes_are_refused():
    with pytest.raises(BackupError, match="follow its last chunk"):
        _open(_seal(b"hello") + b"x")


def test_swapped_chunks_are_refused():
    blob = _seal(os.urandom(4096 * 3))
    size = 4 + 4096 + 16
    h = crypto.HEADER_SIZE
    swapped = blob[:h] + blob[h + size : h + 2 * size] + blob[h : h + size] + blob[h + 2 * size :]
    with pytest.raises(BackupError, match="fails authentication"):
        _open(swapped)


def test_a_wrong_key_is_refused():
    with pytest.raises(BackupError, match="backup key does not open"):
        _open(_seal(b"data"), key=b"x" * 40)


def test_the_key_must_be_given_long_and_apart_from_the_region_keys(monkeypatch, settings, tmp_path):
    monkeypatch.delenv("RENKEI_BACKUP_KEY", raising=False)
    with pytest.raises(BackupError, match="No backup key"):
        load_backup_key(None)
    monkeypatch.setenv("RENKEI_BACKUP_KEY", "short")
    with pytest.raises(BackupError, match="too short"):
        load_backup_key(None)
    monkeypatch.setenv("RENKEI_BACKUP_KEY", settings.MASTER_KEY)
    with pytest.raises(BackupError, match="must differ"):
        load_backup_key(None)
    key_file = tmp_path / "backup.key"
    key_file.write_text("f" * 40 + "\n")
    assert load_backup_key(str(key_file)) == b"f" * 40
    with pytest.raises(BackupError, match="Cannot read"):
        load_backup_key(str(tmp_path / "missing.key"))
