"""Envelope encryption: one random data key per space, wrapped under the region's master key."""

from __future__ import annotations

import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils import timezone

from renkei.spaces.models import Space, SpaceKey

_NONCE = 12


class KeyDestroyed(RuntimeError):
    """The space's data key was destroyed: its files can no longer be read."""


def _master() -> AESGCM:
    return AESGCM(hashlib.sha256(f"renkei-master:{settings.MASTER_KEY}".encode()).digest())


def create_key(space: Space) -> SpaceKey:
    """Give a new space its own data key."""
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(_NONCE)
    wrapped = nonce + _master().encrypt(nonce, data_key, space.public_id.bytes)
    return SpaceKey.objects.create(space=space, wrapped=wrapped)


def data_key(space: Space) -> AESGCM:
    """The space's data key, unwrapped; KeyDestroyed once it has been destroyed."""
    key = SpaceKey.objects.filter(space=space).first()
    if key is None:
        key = create_key(space)
    if key.destroyed_at is not None or not key.wrapped:
        raise KeyDestroyed(str(space.public_id))
    blob = bytes(key.wrapped)
    return AESGCM(_master().decrypt(blob[:_NONCE], blob[_NONCE:], space.public_id.bytes))


def encrypt(space: Space, plaintext: bytes, *, context: bytes) -> bytes:
    """Encrypt ``plaintext`` with the space's key; ``context`` binds it to one stored object."""
    nonce = os.urandom(_NONCE)
    return nonce + data_key(space).encrypt(nonce, plaintext, context)


def decrypt(space: Space, blob: bytes, *, context: bytes) -> bytes:
    return data_key(space).decrypt(blob[:_NONCE], blob[_NONCE:], context)


def destroy_key(space: Space) -> None:
    """Erase the wrapped key: nothing encrypted under it can be read again."""
    SpaceKey.objects.filter(space=space).update(wrapped=None, destroyed_at=timezone.now())
