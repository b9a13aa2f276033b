"""Uploads made ready to attach: checked, re-encoded and encrypted before any transaction.

The page and the API both call ``prepare_uploads`` and pass its result to
``renkei.timeline.actions.post_message``, which calls ``attach_uploads`` inside its
transaction: the heavy work (decoding, re-encoding, encryption) is done by then, and the files
are written only when the post commits.
"""

from __future__ import annotations

import io
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from renkei import throttle
from renkei.attachments import storage
from renkei.attachments.detect import (
    KNOWN_EXTENSIONS,
    FileType,
    Refused,
    check_claimed_type,
    check_name_matches,
    check_not_polyglot,
    detect,
)
from renkei.attachments.images import reencode
from renkei.attachments.models import Attachment, AttachmentKind
from renkei.errors import NotFound, RuleViolation, ValidationFailed
from renkei.policy.queries import current_policy
from renkei.spaces import keys
from renkei.spaces.models import Space, SpaceKind
from renkei.timeline.models import Post

NAME_MAX = 200
_MB = 1024 * 1024
_WINDOWS_RESERVED = set('<>:"|?*')
# Device names Windows opens instead of a file, whatever the extension ("CON.pdf", "com1 .docx").
_WINDOWS_DEVICES = {
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
    *(f"{port}{n}" for port in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]),
}  # fmt: skip


@dataclass(frozen=True)
class PreparedUpload:
    """One checked upload, its bytes already encrypted with its space's key."""

    public_id: uuid.UUID
    space_id: int
    kind: str
    name: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    blob: bytes
    thumbnail: bytes | None
    patient_consent_confirmed: bool

    @property
    def is_photo(self) -> bool:
        return self.kind == AttachmentKind.IMAGE


def thumbnail_context(public_id: uuid.UUID) -> bytes:
    return public_id.bytes + b":thumbnail"


def safe_name(name: str, detected: FileType) -> str:
    """A stored name: no folders, control or invisible characters, leading dots, characters
    or device names Windows refuses; Japanese is kept; at most 200 characters; the extension
    of the detected type."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(
        "_" if ch in _WINDOWS_RESERVED else ch
        for ch in base
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
    )
    base = base.strip().lstrip(".").strip()
    stem = base
    if "." in base:
        head, ext = base.rsplit(".", 1)
        if ext.strip().lower() in KNOWN_EXTENSIONS:
            stem = head
    stem = stem.rstrip(". ").strip() or "attachment"
    if stem.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_DEVICES:
        stem = "_" + stem
    suffix = "." + detected.extension
    return stem[: NAME_MAX - len(suffix)].rstrip(". ") + suffix


def _shown(name: str) -> str:
    """The name as a message quotes it: printable and short."""
    text = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return (text[:60] + "…") if len(text) > 60 else (text or _("(no name)"))


def refuse_photos_without_consent(space: Space, *, unconfirmed_photos: bool) -> None:
    """R3.3④: in a patient group each photo is posted with the patient's consent, asked each
    time; the poster confirms it for the photos of each post. Groups and connections hold no
    patient information (R2.6) and do not ask."""
    if space.kind == SpaceKind.PATIENT_GROUP and unconfirmed_photos:
        raise RuleViolation(
            _(
                "In a patient group, confirm that the patient agreed to these photos before "
                "posting them."
            ),
            field="photo_consent",
            rule="R3.3④",
        )


def prepare_uploads(
    files: Sequence[UploadedFile], *, space: Space, photo_consent: bool
) -> list[PreparedUpload]:
    """Check each upload by its content, re-encode photos without metadata, encrypt.

    Refuses (ValidationFailed on "attachments") too many files, files over the policy's size,
    types that cannot be attached and names that lie about the type; refuses (RuleViolation,
    R3.3④) a photo in a patient group without ``photo_consent``. Writes nothing.
    """
    if not files:
        return []
    policy = current_policy()
    if len(files) > policy.attachments_per_post:
        raise ValidationFailed(
            {
                "attachments": [
                    _("A post can have at most %(n)d attachments (%(m)d were chosen).")
                    % {"n": policy.attachments_per_post, "m": len(files)}
                ]
            }
        )
    limits = {True: policy.image_max_mb, False: policy.attachment_max_mb}
    checked: list[tuple[UploadedFile, FileType, bytes]] = []
    problems: list[str] = []
    for upload in files:
        name = upload.name or ""
        try:
            if (upload.size or 0) > max(limits.values()) * _MB:
                raise Refused(_too_big(max(limits.values())))
            data = _read(upload, max(limits.values()) * _MB)
            detected = detect(io.BytesIO(data))
            if len(data) > limits[detected.is_photo] * _MB:
                raise Refused(_too_big(limits[detected.is_photo]))
            check_name_matches(name, detected)
            check_claimed_type(upload.content_type, detected)
            check_not_polyglot(io.BytesIO(data), detected)
        except Refused as refused:
            problems.append(_named(name, refused.message))
            continue
        checked.append((upload, detected, data))
    if problems:
        raise ValidationFailed({"attachments": problems})
    refuse_photos_without_consent(
        space, unconfirmed_photos=not photo_consent and any(t.is_photo for _u, t, _d in checked)
    )

    prepared: list[PreparedUpload] = []
    for upload, detected, data in checked:
        name = upload.name or ""
        try:
            prepared.append(_prepare(space, name, detected, data, photo_consent))
        except Refused as refused:
            problems.append(_named(name, refused.message))
    if problems:
        raise ValidationFailed({"attachments": problems})
    return prepared


def _too_big(mb: int) -> str:
    return _("The file is larger than %(n)d MB.") % {"n": mb}


def _named(name: str, message: str) -> str:
    return _("“%(name)s”: %(problem)s") % {"name": _shown(name), "problem": message}


def _read(upload: UploadedFile, limit: int) -> bytes:
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise Refused(_too_big(limit // _MB))
    return data


def _prepare(
    space: Space, name: str, detected: FileType, data: bytes, photo_consent: bool
) -> PreparedUpload:
    public_id = uuid.uuid4()
    width = height = None
    thumbnail = None
    if detected.is_photo:
        photo = reencode(io.BytesIO(data), detected)
        data, stored = photo.data, photo.stored_type
        width, height, thumbnail = photo.width, photo.height, photo.thumbnail
    else:
        stored = detected
    try:
        blob = keys.encrypt(space, data, context=public_id.bytes)
        sealed_thumb = (
            keys.encrypt(space, thumbnail, context=thumbnail_context(public_id))
            if thumbnail is not None
            else None
        )
    except keys.KeyDestroyed as exc:
        raise NotFound() from exc
    return PreparedUpload(
        public_id=public_id,
        space_id=space.pk,
        kind=AttachmentKind.IMAGE if detected.is_photo else AttachmentKind.FILE,
        name=safe_name(name, stored),
        content_type=stored.content_type,
        size=len(data),
        width=width,
        height=height,
        blob=blob,
        thumbnail=sealed_thumb,
        patient_consent_confirmed=bool(photo_consent and detected.is_photo),
    )


def attach_uploads(post: Post, uploads: Sequence[PreparedUpload]) -> list[Attachment]:
    """Inside the posting transaction: make the rows, and write the files once it commits.

    The uploads must have been prepared for the post's space; R3.3④ is checked again here
    against the locked space.
    """
    throttle.hit("upload", member=post.author, cost=len(uploads))  # R2.3, per file
    space = post.space
    if any(u.space_id != space.pk for u in uploads):
        raise ValidationFailed({"attachments": [_("These files were prepared for another space.")]})
    limit = current_policy().attachments_per_post
    if len(uploads) > limit:
        raise ValidationFailed(
            {
                "attachments": [
                    _("A post can have at most %(n)d attachments (%(m)d were chosen).")
                    % {"n": limit, "m": len(uploads)}
                ]
            }
        )
    refuse_photos_without_consent(
        space,
        unconfirmed_photos=any(u.is_photo and not u.patient_consent_confirmed for u in uploads),
    )
    attachments = []
    for upload in uploads:
        attachment = Attachment.objects.create(
            public_id=upload.public_id,
            post=post,
            space=space,
            kind=upload.kind,
            name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            width=upload.width,
            height=upload.height,
            has_thumbnail=upload.thumbnail is not None,
            patient_consent_confirmed=upload.patient_consent_confirmed,
        )
        storage.write_on_commit(attachment, upload.blob, thumbnail=upload.thumbnail)
        attachments.append(attachment)
    return attachments
