"""What an upload really is, read from its bytes: never from its name or the client's type.

Photos (JPEG, PNG, WebP, HEIC, GIF), PDF and Office documents (OOXML, and the legacy OLE
formats) are accepted; archives, programs, scripts, web pages, SVG and anything unknown are
refused with a message that says what was found.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _


class Refused(Exception):
    """The content is of a kind that cannot be attached; ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FileType:
    """One accepted type: whether it is a photo, its MIME type and the names it goes by."""

    key: str
    is_photo: bool
    content_type: str
    extensions: tuple[str, ...]  # the first is the one a stored name gets

    @property
    def extension(self) -> str:
        return self.extensions[0]


JPEG = FileType("jpeg", True, "image/jpeg", ("jpg", "jpeg", "jpe", "jfif"))
PNG = FileType("png", True, "image/png", ("png",))
GIF = FileType("gif", True, "image/gif", ("gif",))
WEBP = FileType("webp", True, "image/webp", ("webp",))
HEIC = FileType("heic", True, "image/heic", ("heic", "heif", "hif"))
PDF = FileType("pdf", False, "application/pdf", ("pdf",))
DOCX = FileType(
    "docx",
    False,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx", "dotx"),
)
XLSX = FileType(
    "xlsx",
    False,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ("xlsx", "xltx"),
)
PPTX = FileType(
    "pptx",
    False,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ("pptx", "ppsx", "potx"),
)
DOC = FileType("doc", False, "application/msword", ("doc", "dot"))
XLS = FileType("xls", False, "application/vnd.ms-excel", ("xls", "xlt"))
PPT = FileType("ppt", False, "application/vnd.ms-powerpoint", ("ppt", "pps", "pot"))

ACCEPTED = (JPEG, PNG, GIF, WEBP, HEIC, PDF, DOCX, XLSX, PPTX, DOC, XLS, PPT)

# Names that claim a type: a file whose name ends in one of these must be of that type.
_REFUSED_EXTENSIONS = {
    # archives
    "zip", "rar", "7z", "gz", "tgz", "bz2", "xz", "tar", "lzh", "cab", "zst",
    # programs and scripts
    "exe", "dll", "com", "bat", "cmd", "msi", "scr", "ps1", "vbs", "js", "jar", "sh", "app",
    "dmg", "apk", "pif", "lnk", "py", "pl", "rb", "elf", "so", "dylib",
    # web pages and vector images
    "html", "htm", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml",
    # Office files with macros
    "docm", "dotm", "xlsm", "xltm", "xlsb", "pptm", "potm", "ppsm",
    # other common kinds that are not accepted
    "txt", "csv", "rtf", "tif", "tiff", "bmp", "avif", "mp4", "mov", "mp3", "wav", "odt",
    "ods", "odp",
}  # fmt: skip
KNOWN_EXTENSIONS = _REFUSED_EXTENSIONS | {e for t in ACCEPTED for e in t.extensions}

_HEAD = 64 * 1024
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
# Windows (MZ), Linux (ELF), scripts (#!), Mach-O (32/64-bit, both byte orders, universal),
# Android (dex)
_PROGRAMS = (
    b"MZ",
    b"\x7fELF",
    b"#!",
    b"\xfe\xed\xfa\xce",
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"dex\n",
)
# rar, 7z, gzip, bzip2, xz, zstd, cab (tar is recognised by "ustar" at offset 257)
_ARCHIVES = (
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",
    b"MSCF",
)
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WEB = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|script|svg|iframe|object|embed|meta|\?xml)",
    re.IGNORECASE,
)
# Bounds on reading a PDF's compressed streams, so a crafted file cannot exhaust memory.
_PDF_INFLATE_LIMIT = 64 * 1024 * 1024
_PDF_DANGER = re.compile(rb"/(Launch|EmbeddedFiles?|RichMedia)\b")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _archive() -> Refused:
    return Refused(_("Compressed archives (zip, rar, 7z, gz, tar) cannot be attached."))


def _program() -> Refused:
    return Refused(_("Programs and scripts cannot be attached."))


def _other() -> Refused:
    return Refused(
        _(
            "This kind of file cannot be attached. Photos (JPEG, PNG, WebP, HEIC, GIF), PDF "
            "and Office documents (Word, Excel, PowerPoint) can."
        )
    )


def detect(stream: BinaryIO) -> FileType:
    """The type of the content of ``stream`` (read from the start), or Refused."""
    stream.seek(0)
    head = stream.read(_HEAD)
    stream.seek(0)
    if not head:
        raise Refused(_("The file is empty."))
    if head.startswith(_PROGRAMS):
        raise _program()
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    if head.startswith(b"%PDF-"):
        _check_pdf(stream)
        return PDF
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _ooxml(stream)
    if head.startswith(_CFB):
        return _ole(stream)
    if head.startswith(_ARCHIVES) or head[257:262] == b"ustar":
        raise _archive()
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    if _WEB.search(text[:4096].replace(b"\x00", b"")):
        raise Refused(_("Web pages and SVG images cannot be attached."))
    raise _other()


def _iso_media(head: bytes) -> FileType:
    """An ISO media file (ftyp box): HEIC photos are accepted; videos and others are not."""
    (size,) = struct.unpack(">I", head[:4])
    brands = {head[8:12]}
    end = min(size, len(head)) if size >= 16 else 16
    brands.update(head[i : i + 4] for i in range(16, end - 3, 4))
    if brands & _HEIC_BRANDS:
        return HEIC
    raise _other()


def _check_pdf(stream: BinaryIO) -> None:
    """Refuse a PDF that carries files or launches programs: its dictionaries are read raw and
    from inside its compressed streams, with names' #xx escapes undone."""
    stream.seek(0)
    data = stream.read()
    stream.seek(0)
    if _PDF_DANGER.search(_unescape_names(data)):
        raise _pdf_refused()
    budget = _PDF_INFLATE_LIMIT
    for match in re.finditer(rb"stream\r?\n", data):
        if budget <= 0:
            break
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[match.end() : match.end() + budget], budget)
        except zlib.error:
            continue
        budget -= len(chunk)
        if _PDF_DANGER.search(_unescape_names(chunk)):
            raise _pdf_refused()


def _unescape_names(data: bytes) -> bytes:
    if b"#" not in data:
        return data
    return _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _pdf_refused() -> Refused:
    return Refused(
        _("This PDF carries embedded files or starts programs, so it cannot be attached.")
    )


def _ooxml(stream: BinaryIO) -> FileType:
    """A zip is an Office document only with [Content_Types].xml and Word, Excel or PowerPoint
    parts; any other zip is an archive. Documents with macros are refused."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _archive() from exc
    finally:
        stream.seek(0)
    if "[Content_Types].xml" not in names:
        raise _archive()
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _macros()
    # A program or script carried as a part of the document (an embedded installer).
    if any(_part_extension(n) in _PROGRAM_EXTENSIONS for n in names):
        raise _program()
    for prefix, kind in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
        if any(n.startswith(prefix) for n in names):
            return kind
    raise _archive()


_PROGRAM_EXTENSIONS = {
    "exe", "dll", "com", "bat", "cmd", "msi", "scr", "ps1", "vbs", "vbe", "js", "jse", "wsf",
    "hta", "jar", "sh", "app", "apk", "pif", "lnk", "cpl", "elf", "so", "dylib",
}  # fmt: skip


def _part_extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _macros() -> Refused:
    return Refused(_("Office documents with macros cannot be attached."))


# Directory entries of a compound file (CFB) are 128-byte records aligned on 128 bytes:
# a UTF-16LE name, its length in bytes with the terminator at 0x40, the object type at 0x42.
_OLE_STREAMS = {
    "WordDocument": DOC,
    "Workbook": XLS,
    "Book": XLS,
    "PowerPoint Document": PPT,
}
_OLE_MACROS = {"Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT", "VBA"}


def _ole(stream: BinaryIO) -> FileType:
    """A legacy Office file by its CFB signature and main stream; installers (MSI), mail (MSG)
    and other compound files are refused."""
    stream.seek(0)
    data = stream.read()
    stream.seek(0)
    names: set[str] = set()
    for offset in range(512, len(data) - 127, 128):
        entry = data[offset : offset + 128]
        length = int.from_bytes(entry[0x40:0x42], "little")
        if entry[0x42] not in (1, 2, 5) or not 2 <= length <= 64 or length % 2:
            continue
        raw = entry[: length - 2]
        if entry[length - 2 : length] != b"\x00\x00":
            continue
        try:
            names.add(raw.decode("utf-16-le"))
        except UnicodeDecodeError:
            continue
    if names & _OLE_MACROS:
        raise _macros()
    for stream_name, kind in _OLE_STREAMS.items():
        if stream_name in names:
            return kind
    raise _other()


# What browsers and apps say for each accepted type. A generic claim says nothing; any other
# claim (text/html, application/x-msdownload, image/svg+xml, ...) must be the content's type.
_GENERIC_CLAIMS = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
# Office documents are zip files: a zip claim for one is true, if unhelpful.
_ZIP_CLAIMS = {"application/zip", "application/x-zip-compressed"}
_CFB_CLAIMS = {"application/x-ole-storage", "application/x-cfb"}
_CLAIMS: dict[FileType, set[str]] = {
    JPEG: {"image/jpeg", "image/jpg", "image/pjpeg"},
    PNG: {"image/png", "image/x-png"},
    GIF: {"image/gif"},
    WEBP: {"image/webp"},
    HEIC: {"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"},
    PDF: {"application/pdf", "application/x-pdf"},
    DOCX: {DOCX.content_type, *_ZIP_CLAIMS},
    XLSX: {XLSX.content_type, *_ZIP_CLAIMS},
    PPTX: {PPTX.content_type, *_ZIP_CLAIMS},
    DOC: {DOC.content_type, *_CFB_CLAIMS},
    XLS: {XLS.content_type, "application/x-msexcel", "application/x-excel", *_CFB_CLAIMS},
    PPT: {PPT.content_type, "application/mspowerpoint", *_CFB_CLAIMS},
}


def check_claimed_type(content_type: str | None, detected: FileType) -> None:
    """A file sent as one type (its Content-Type) whose content is another is refused."""
    claim = (content_type or "").split(";", 1)[0].strip().lower()
    if claim in _GENERIC_CLAIMS or claim in _CLAIMS[detected]:
        return
    raise Refused(
        _("The file was sent as %(claim)s but the content is %(kind)s; it cannot be attached.")
        % {"claim": claim[:80], "kind": detected.key.upper()}
    )


def check_not_polyglot(stream: BinaryIO, detected: FileType) -> None:
    """Refuse a photo, PDF or legacy Office file that is also a zip archive (a file appended
    behind it that a zip reader opens): one file that is two is never what it says."""
    if detected in (DOCX, XLSX, PPTX):
        return
    stream.seek(0)
    try:
        # A zip is read from its end: an archive appended to other content opens too. Four
        # bytes that merely look like a zip's end record open no directory and pass.
        with zipfile.ZipFile(stream) as archive:
            hidden = bool(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        hidden = False
    finally:
        stream.seek(0)
    if hidden:
        raise Refused(
            _(
                "This file has an archive hidden inside it (two files in one); it cannot be "
                "attached."
            )
        )


def claimed_extension(name: str) -> str:
    """The extension a file name claims, if it is one we know; else ''."""
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if "." not in base.strip("."):
        return ""
    ext = base.rsplit(".", 1)[1].strip().lower()
    return ext if ext in KNOWN_EXTENSIONS else ""


def check_name_matches(name: str, detected: FileType) -> None:
    """A file whose name claims one type and whose content is another is refused."""
    ext = claimed_extension(name)
    if ext and ext not in detected.extensions:
        raise Refused(
            _("The file name says .%(ext)s but the content is %(kind)s; it cannot be attached.")
            % {"ext": ext, "kind": detected.key.upper()}
        )
