"""Photos are decoded and drawn again from their pixels: what is stored carries no metadata
(no EXIF, GPS, XMP, ICC profile or comments), so a photo taken in a patient's home never
tells where it was taken. A JPEG thumbnail is made beside it."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from renkei.attachments.detect import HEIC, JPEG, PNG, FileType, Refused

# A photo larger than this many pixels is refused before it is decoded (a "decompression
# bomb" is a small file that would decode to gigabytes). 64 MP is above any phone's default.
MAX_PIXELS = 64_000_000
JPEG_QUALITY = 85
THUMBNAIL_SIZE = 480
THUMBNAIL_QUALITY = 80

# iPhones take HEIC photos; the plug-in lets Pillow read them so they are re-encoded like others.
from pillow_heif import register_heif_opener  # noqa: E402

register_heif_opener()


@dataclass(frozen=True)
class Photo:
    data: bytes
    stored_type: FileType  # JPEG, or PNG for a photo with transparency
    width: int
    height: int
    thumbnail: bytes


def _broken() -> Refused:
    return Refused(_("The photo is damaged or incomplete and cannot be read."))


def _too_large() -> Refused:
    return Refused(
        _("The photo has too many pixels (at most %(n)d million); please send a smaller one.")
        % {"n": MAX_PIXELS // 1_000_000}
    )


def _open(stream: BinaryIO, detected: FileType) -> Image.Image:
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
            if image.width * image.height > MAX_PIXELS:
                raise _too_large()
            image.seek(0)  # an animated GIF or WebP keeps its first frame
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_large() from exc
    except UnidentifiedImageError as exc:
        if detected == HEIC:
            raise Refused(
                _(
                    "HEIC photos cannot be read on this server. Set the camera to JPEG "
                    "(“Most Compatible”) or send the photo as JPEG."
                )
            ) from exc
        raise _broken() from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise _broken() from exc
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert pixels in another colour space (e.g. an iPhone's Display P3) to sRGB, so that
    dropping the ICC profile does not change the colours."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def _has_alpha(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        extrema = image.convert("RGBA").getchannel("A").getextrema()
        return isinstance(extrema, tuple) and isinstance(extrema[0], int) and extrema[0] < 255
    return False


def reencode(stream: BinaryIO, detected: FileType) -> Photo:
    """Decode a photo, turn it upright (EXIF orientation), and store only its pixels."""
    image = _open(stream, detected)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a malformed EXIF block must not stop the photo
            upright = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, SyntaxError) as exc:
        raise _broken() from exc
    alpha = _has_alpha(upright)
    pixels = upright.convert("RGBA" if alpha else "RGB")
    pixels = _to_srgb(pixels)
    # A new image holds the pixels alone: nothing of the original's info (EXIF, XMP, ICC,
    # comments, GPS) can reach the encoder.
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    clean.info = {}
    out = io.BytesIO()
    if alpha:
        clean.save(out, "PNG", optimize=True)
        stored = PNG
    else:
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        stored = JPEG
    return Photo(
        data=out.getvalue(),
        stored_type=stored,
        width=clean.width,
        height=clean.height,
        thumbnail=_thumbnail(clean),
    )


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    if thumb.mode == "RGBA":
        flat = Image.new("RGB", thumb.size, (255, 255, 255))
        flat.paste(thumb, mask=thumb.getchannel("A"))
        thumb = flat
    thumb.info = {}
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()
