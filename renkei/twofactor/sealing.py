"""Sealing of authenticator-app secrets under a key derived from the region's master key."""

from __future__ import annotations

import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_NONCE = 12


def _key() -> AESGCM:
    # A key of its own (not the spaces' wrapping key), derived from the same master key.
    return AESGCM(hashlib.sha256(f"renkei-totp:{settings.MASTER_KEY}".encode()).digest())


def seal(secret: str, *, member_public_id: bytes) -> bytes:
    """Encrypt a base32 TOTP secret, bound to its member."""
    nonce = os.urandom(_NONCE)
    return nonce + _key().encrypt(nonce, secret.encode(), member_public_id)


def unseal(blob: bytes | memoryview, *, member_public_id: bytes) -> str:
    """The base32 TOTP secret sealed by ``seal``."""
    raw = bytes(blob)
    return _key().decrypt(raw[:_NONCE], raw[_NONCE:], member_public_id).decode()
