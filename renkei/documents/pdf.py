"""Japanese PDF building blocks: an embedded font, so a form renders on any machine.

The font is IPAexGothic (IPA Font License), installed from PyPI with japanize-matplotlib; it is
read from that package's folder without importing it (and so without loading matplotlib).
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "IPAexGothic"


@cache
def font_path() -> Path:
    spec = importlib.util.find_spec("japanize_matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("japanize-matplotlib (the Japanese font for PDF) is not installed")
    path = Path(spec.origin).parent / "fonts" / "ipaexg.ttf"
    if not path.exists():
        raise RuntimeError(f"the Japanese font is missing at {path}")
    return path


@cache
def register_font() -> str:
    """Register the embedded Japanese font with ReportLab once; returns its name."""
    pdfmetrics.registerFont(TTFont(FONT, str(font_path())))
    return FONT


def _style(size: float, *, leading: float | None = None, **kwargs: object) -> ParagraphStyle:
    register_font()
    return ParagraphStyle(
        f"jp{size}{sorted(kwargs.items())}",
        fontName=FONT,
        fontSize=size,
        leading=leading or size * 1.6,
        wordWrap="CJK",
        **kwargs,
    )


def title(text: str) -> Paragraph:
    return Paragraph(escape(text), _style(16, alignment=TA_CENTER, spaceAfter=6 * mm))


def heading(text: str) -> Paragraph:
    return Paragraph(escape(text), _style(11.5, spaceBefore=3 * mm, spaceAfter=1.5 * mm))


def para(text: str, *, size: float = 10.5, right: bool = False, indent: float = 0) -> Paragraph:
    """A paragraph of Japanese text that wraps between characters; newlines are kept."""
    html = "<br/>".join(escape(line) for line in text.split("\n"))
    return Paragraph(
        html, _style(size, alignment=TA_RIGHT if right else 0, leftIndent=indent, spaceAfter=2 * mm)
    )


def space(height_mm: float) -> Spacer:
    return Spacer(1, height_mm * mm)


def table(
    rows: Sequence[Sequence[str]],
    *,
    widths_mm: Sequence[float],
    header: bool = False,
    size: float = 9.5,
    min_height_mm: float = 8,
) -> Table:
    """A ruled table, each cell wrapping Japanese text."""
    style = _style(size)
    data = [[Paragraph(escape(cell).replace("\n", "<br/>"), style) for cell in row] for row in rows]
    result = Table(
        data,
        colWidths=[w * mm for w in widths_mm],
        rowHeights=[min_height_mm * mm] * len(data) if min_height_mm else None,
    )
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    result.setStyle(TableStyle(commands))
    return result


def render(flowables: Sequence[Flowable], *, title_text: str, subject: str = "") -> bytes:
    """Lay out ``flowables`` on A4 pages with the Japanese font embedded; returns the PDF."""
    register_font()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title_text,
        subject=subject,
        author="Renkei",
        creator="Renkei",
    )
    document.build(list(flowables))
    return buffer.getvalue()
