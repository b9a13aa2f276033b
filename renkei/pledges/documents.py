"""The signed pledge as uploaded: checked by its content (a PDF, or a photo or scan of it),
photos re-encoded without their metadata, encrypted and kept in the facility's folder.

Key choice: a pledge belongs to a facility, not to a space, so it cannot use a space's data key.
Its key is derived for the facility from the region's master key (HKDF-SHA256 with the
facility's public id as context) rather than stored: pledges are records the facility keeps for
as long as it is in the network (like its form-3 list), never erased with a key, so there is no
key to destroy and no extra row to back up. Each file is also bound to its document id, so a
blob cannot be swapped for another pledge's.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from renkei.documents import scans
from renkei.documents.scans import check_signed_scan
from renkei.facilities.models import Facility

_NONCE = 12


@dataclass(frozen=True)
class PreparedDocument:
    document_id: uuid.UUID
    content_type: str
    size: int
    blob: bytes


def facility_key(facility: Facility) -> AESGCM:
    """The facility's pledge key, derived from the master key; never stored."""
    master = hashlib.sha256(f"renkei-master:{settings.MASTER_KEY}".encode()).digest()
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"renkei-pledges",
        info=facility.public_id.bytes,
    ).derive(master)
    return AESGCM(derived)


def prepare_document(upload: UploadedFile | None, *, facility: Facility) -> PreparedDocument:
    """Check and encrypt the signed pledge. Writes nothing."""
    scan = check_signed_scan(
        upload,
        missing=_("Upload the signed pledge (a PDF, or a photo or scan of it)."),
        wrong=_(
            "The signed pledge must be a PDF or a photo or scan (JPEG, PNG, WebP or HEIC); "
            "this file is not."
        ),
    )
    document_id = uuid.uuid4()
    nonce = os.urandom(_NONCE)
    blob = nonce + facility_key(facility).encrypt(nonce, scan.data, document_id.bytes)
    return PreparedDocument(
        document_id=document_id, content_type=scan.content_type, size=len(scan.data), blob=blob
    )


def document_path(facility: Facility, document_id: uuid.UUID) -> Path:
    return Path(settings.DATA_DIR) / "pledges" / str(facility.public_id) / f"{document_id}.bin"


def write_on_commit(facility: Facility, document: PreparedDocument) -> None:
    """Store the encrypted pledge once its row has committed (whole or not at all)."""
    scans.write_on_commit(document_path(facility, document.document_id), document.blob)


def read_document(facility: Facility, document_id: uuid.UUID) -> bytes | None:
    """The signed pledge's plain bytes, or None when the file is missing or does not decrypt."""
    from cryptography.exceptions import InvalidTag

    try:
        blob = document_path(facility, document_id).read_bytes()
        return facility_key(facility).decrypt(blob[:_NONCE], blob[_NONCE:], document_id.bytes)
    except (FileNotFoundError, InvalidTag):
        return None
