"""Real files of each kind, made in memory: photos by Pillow, Office files as their formats
lay them out, and the things that must be refused."""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_LATITUDE = 35.7975


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg(size=(1600, 1200), color=(200, 120, 40), *, gps=False, orientation=None) -> bytes:
    """A JPEG as a phone writes it: EXIF with camera, GPS position, orientation, an ICC
    profile and a comment."""
    image = Image.new("RGB", size, color)
    image.paste((20, 40, 220), (0, 0, size[0] // 4, size[1] // 4))  # a mark in the top left
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model-X"  # Model
    exif[0x0131] = "CameraApp 1.0"  # Software
    if orientation:
        exif[0x0112] = orientation
    if gps:
        gps_ifd = {
            1: "N",
            2: (35.0, 47.0, 51.0),
            3: "E",
            4: (139.0, 35.0, 38.0),
        }
        exif[0x8825] = gps_ifd
    out = io.BytesIO()
    image.save(
        out,
        "JPEG",
        exif=exif,
        icc_profile=b"\x00" * 4 + b"ICC-PROFILE-MARKER" + b"\x00" * 100,
        comment=b"HOME-OF-PATIENT-COMMENT",
        quality=95,
    )
    return out.getvalue()


def png(size=(800, 600), *, alpha=False) -> bytes:
    mode = "RGBA" if alpha else "RGB"
    image = Image.new(mode, size, (10, 200, 30, 128) if alpha else (10, 200, 30))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp(size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 90, 200)).save(out, "WEBP", quality=80)
    return out.getvalue()


def gif_animated(size=(300, 200)) -> bytes:
    frames = [Image.new("P", size, i) for i in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def heic_header() -> bytes:
    """The start of an iPhone HEIC: an ISO media ftyp box with the heic brand."""
    ftyp = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    return ftyp + b"\x00\x00\x00\x20meta" + b"\x00" * 2000


def pdf(marker: str = "PATIENT-MARKER", extra: bytes = b"") -> bytes:
    """A small well-formed PDF whose page shows ``marker``."""
    content = f"BT /F1 12 Tf 72 720 Td ({marker}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (
            len(objects) + 1,
            xref,
        )
    )
    return out.getvalue()


def pdf_with_compressed(dictionary: bytes) -> bytes:
    """A PDF with an object stream (compressed) holding ``dictionary``."""
    packed = zlib.compress(dictionary)
    stream = b"<< /Type /ObjStm /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
    return pdf(extra=b"") + b"5 0 obj\n" + stream + packed + b"\nendstream\nendobj\n"


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx(*, macros: bool = False) -> bytes:
    parts = {
        "[Content_Types].xml": _TYPES,
        "_rels/.rels": b"<Relationships/>",
        "word/document.xml": b"<w:document>DOCX-MARKER</w:document>",
    }
    if macros:
        parts["word/vbaProject.bin"] = b"\x00" * 64
    return _zip(parts)


def xlsx() -> bytes:
    return _zip({"[Content_Types].xml": _TYPES, "xl/workbook.xml": b"<workbook/>"})


def pptx() -> bytes:
    return _zip({"[Content_Types].xml": _TYPES, "ppt/presentation.xml": b"<presentation/>"})


def plain_zip() -> bytes:
    return _zip({"notes.txt": b"hello", "photo.jpg": jpeg((10, 10))})


def _dir_entry(name: str, kind: int, *, child: int = 0xFFFFFFFF) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    entry = encoded.ljust(64, b"\x00")
    entry += struct.pack("<HBB", len(encoded), kind, 1)  # name length, type, colour black
    entry += struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child)  # left, right, child
    entry += b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16  # CLSID, state bits, times
    entry += struct.pack("<IQ", 0xFFFFFFFE, 0)  # start sector, size
    return entry.ljust(128, b"\x00")


def cfb(*stream_names: str) -> bytes:
    """A compound file (the legacy Office container): header, one FAT sector and one directory
    sector naming the root and ``stream_names``."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIII", 0, 1, 1, 0)  # dir sectors, FAT sectors, first dir, txn
    header += struct.pack("<IIIII", 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)  # mini, DIFAT
    header += struct.pack("<I", 0) + struct.pack("<I", 0xFFFFFFFF) * 108  # DIFAT[0] = 0
    assert len(header) == 512
    fat = struct.pack("<II", 0xFFFFFFFD, 0xFFFFFFFE) + struct.pack("<I", 0xFFFFFFFF) * 126
    entries = [_dir_entry("Root Entry", 5, child=1)]
    entries += [_dir_entry(name, 2) for name in stream_names]
    directory = b"".join(entries).ljust(512, b"\x00")
    return header + fat + directory


def exe() -> bytes:
    stub = b"MZ\x90\x00" + b"\x00" * 56 + struct.pack("<I", 64)
    return stub + b"PE\x00\x00" + b"\x00" * 200


def elf() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def script() -> bytes:
    return b"#!/bin/sh\nrm -rf /\n"


def html() -> bytes:
    return "<!DOCTYPE html><html><body><script>alert(1)</script>患者</body></html>".encode()


def svg() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(1)</script></svg>"
    )


def tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo("notes.txt")
        info.size = 5
        archive.addfile(info, io.BytesIO(b"hello"))
    return out.getvalue()


def gz() -> bytes:
    return gzip.compress(b"hello" * 100)


def rar() -> bytes:
    return b"Rar!\x1a\x07\x01\x00" + b"\x00" * 100


def seven_zip() -> bytes:
    return b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 100
