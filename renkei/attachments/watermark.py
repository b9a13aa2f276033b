"""R3.3③: a file of a patient group that leaves the app carries who took it and when.

A download (not the in-app view) of a photo or a PDF from a patient group is stamped with a
visible, semi-transparent watermark: the viewer's name and the time in Asia/Tokyo, repeated
across a photo and across every page of a PDF, so a copy found outside names its source. The
stored file is never changed. Office files are not stamped (they are not images or PDFs);
groups and connections are not stamped either: they hold no patient information (R2.6).
"""

from __future__ import annotations

import io
import math
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from reportlab.lib.colors import Color
from reportlab.pdfgen import canvas

from renkei.documents.pdf import font_path, register_font

TOKYO = ZoneInfo("Asia/Tokyo")
ANGLE = 30
JPEG_QUALITY = 90


class NotStampable(Exception):
    """The file cannot carry a watermark (an encrypted or broken PDF)."""


def stamp_text(viewer_name: str, at: datetime) -> str:
    """``山田 一郎 2026-11-24 19:05 JST 連携システム外への持ち出し禁止``."""
    local = at.astimezone(TOKYO)
    return f"{viewer_name}  {local:%Y-%m-%d %H:%M} JST  院外持ち出し・転載禁止"


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


def watermark_image(data: bytes, content_type: str, text: str) -> bytes:
    """The photo with ``text`` drawn across it, diagonally and repeated, semi-transparent."""
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        base = opened.convert("RGBA")
    width, height = base.size
    size = max(12, min(width, height) // 24)
    font = _font(size)
    line = f"{text}    "
    # Rows of the text on a square that covers the photo at any angle, turned, then cut to
    # the photo's size: the marks reach every part of it.
    side = int(math.hypot(width, height)) + size * 4
    sheet = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(sheet)
    repeat = line * (side // max(1, int(font.getlength(line))) + 2)
    for row, y in enumerate(range(0, side, size * 4)):
        draw.text(
            (-(row % 2) * size * 6, y),
            repeat,
            font=font,
            fill=(255, 255, 255, 130),
            stroke_width=max(1, size // 10),
            stroke_fill=(0, 0, 0, 130),
        )
    sheet = sheet.rotate(ANGLE, resample=Image.Resampling.BICUBIC)
    left, top = (side - width) // 2, (side - height) // 2
    overlay = sheet.crop((left, top, left + width, top + height))
    stamped = Image.alpha_composite(base, overlay)
    out = io.BytesIO()
    if content_type == "image/png":
        stamped.save(out, "PNG", optimize=True)
    else:
        stamped.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def _stamp_page(width: float, height: float, text: str) -> bytes:
    register_font()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(width, height))
    size = max(10.0, min(width, height) / 24)
    page.setFont("IPAexGothic", size)
    page.setFillColor(Color(0.75, 0.1, 0.1, alpha=0.28))
    page.saveState()
    page.translate(width / 2, height / 2)
    page.rotate(ANGLE)
    reach = int(math.hypot(width, height) / 2)
    for y in range(-reach, reach + 1, int(size * 5)):
        page.drawCentredString(0, y, text)
    page.restoreState()
    # The same line, level, at the foot of the page: read by any viewer and by text search.
    page.setFont("IPAexGothic", 8)
    page.setFillColor(Color(0.3, 0.3, 0.3, alpha=0.8))
    page.drawString(24, 12, text)
    page.showPage()
    page.save()
    return out.getvalue()


def watermark_pdf(data: bytes, text: str) -> bytes:
    """Every page of the PDF overlaid with ``text``; raises NotStampable for a PDF that
    cannot be rewritten (encrypted or broken)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise NotStampable("encrypted PDF")
        writer = PdfWriter(clone_from=reader)
        stamps: dict[tuple[float, float], bytes] = {}
        for page in writer.pages:
            box = page.mediabox
            key = (float(box.width), float(box.height))
            if key not in stamps:
                stamps[key] = _stamp_page(key[0], key[1], text)
            overlay = PdfReader(io.BytesIO(stamps[key])).pages[0]
            page.merge_translated_page(overlay, float(box.left), float(box.bottom))
        out = io.BytesIO()
        writer.write(out)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise NotStampable(str(exc)) from exc
    return out.getvalue()
