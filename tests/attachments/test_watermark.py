"""R3.3③: patient group files are not used outside the system.

Downloads of photos and PDFs from a patient group carry a visible watermark with the viewer's
name and the time (Asia/Tokyo); the in-app view stays clean; both are audited. Groups and
connections hold no patient information (R2.6) and their files are served as stored. There is
no bulk export: every path that serves a file serves one.
"""

from __future__ import annotations

import ast
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import get_resolver
from django.utils import timezone
from PIL import Image, ImageChops
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

import renkei
from renkei.attachments.models import Attachment
from renkei.attachments.watermark import TOKYO
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from tests.attachments import samples
from tests.attachments.helpers import post_files

COLOR = (200, 120, 40)


def _two_pages() -> bytes:
    out = io.BytesIO()
    document = canvas.Canvas(out, pagesize=A4)
    for number in (1, 2):
        document.setFont("Helvetica", 14)
        document.drawString(72, 720, f"PATIENT-MARKER page {number}")
        document.showPage()
    document.save()
    return out.getvalue()


@pytest.fixture
def posted(region, spaces, django_capture_on_commit_callbacks):
    """In each space, the nurse's post with a photo, a PDF and a Word file."""
    result = {}
    for kind, space in spaces.items():
        post = post_files(
            region.nurse,
            space,
            samples.upload("経過.jpg", samples.jpeg(color=COLOR)),
            samples.upload("報告書.pdf", _two_pages()),
            samples.upload("計画.docx", samples.docx()),
            capture=django_capture_on_commit_callbacks,
        )
        result[kind] = {a.content_type: a for a in Attachment.objects.filter(post=post)}
    return result


def _get(client, attachment: Attachment, *, download: bool) -> bytes:
    url = f"/files/{attachment.public_id}/" + ("?download=1" if download else "")
    response = client.get(url)
    assert response.status_code == 200
    return response.content


def _times(before, after) -> set[str]:
    """Every minute (Asia/Tokyo) between two instants, as the watermark writes it."""
    minutes, at = set(), before.astimezone(TOKYO).replace(second=0, microsecond=0)
    while at <= after.astimezone(TOKYO):
        minutes.add(at.strftime("%Y-%m-%d %H:%M"))
        at += timedelta(minutes=1)
    return minutes


def _embedded(font) -> bool:
    """The font file is in the PDF (FontFile2), so any viewer shows the Japanese."""
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    return "/FontFile2" in font["/FontDescriptor"].get_object()


def _last_file_event(member) -> AuditEvent:
    return (
        AuditEvent.objects.filter(
            actor_id=member.pk,
            action__in=[AuditAction.ATTACHMENT_VIEWED, AuditAction.ATTACHMENT_DOWNLOADED],
        )
        .order_by("-id")
        .first()
    )


@pytest.mark.rule("R3.3③")
@pytest.mark.parametrize("viewer", ["nurse", "pharmacist"])
def test_a_downloaded_photo_of_a_patient_group_carries_a_visible_watermark(
    region, posted, client_for, viewer
):
    member = getattr(region, viewer)
    client = client_for(member)
    photo = posted["patient_group"]["image/jpeg"]
    viewed = _get(client, photo, download=False)
    assert _last_file_event(member).action == AuditAction.ATTACHMENT_VIEWED
    downloaded = _get(client, photo, download=True)
    event = _last_file_event(member)
    assert event.action == AuditAction.ATTACHMENT_DOWNLOADED
    assert event.detail["watermarked"] is True
    assert event.object_id == str(photo.public_id)
    clean = Image.open(io.BytesIO(viewed)).convert("RGB")
    marked = Image.open(io.BytesIO(downloaded)).convert("RGB")
    assert downloaded != viewed
    assert marked.size == clean.size
    # The in-app view is the plain photo; the download has light text with a dark outline
    # drawn over it, spread over the whole picture, not one corner.
    diff = ImageChops.difference(clean, marked).convert("L").point(lambda v: 255 if v > 40 else 0)
    w, h = marked.size
    for box in (
        (0, 0, w // 2, h // 2),
        (w // 2, 0, w, h // 2),
        (0, h // 2, w // 2, h),
        (w // 2, h // 2, w, h),
    ):
        changed = sum(1 for v in diff.crop(box).get_flattened_data() if v)
        assert changed > 0.01 * (box[2] - box[0]) * (box[3] - box[1])
    pairs = list(zip(clean.get_flattened_data(), marked.get_flattened_data(), strict=True))
    assert any(sum(m) > sum(c) + 60 for c, m in pairs)  # the light letters
    assert any(sum(m) < sum(c) - 60 for c, m in pairs)  # their dark outline


@pytest.mark.rule("R3.3③")
def test_a_downloaded_pdf_of_a_patient_group_names_the_viewer_and_the_time_on_every_page(
    region, posted, client_for
):
    client = client_for(region.pharmacist)
    pdf = posted["patient_group"]["application/pdf"]
    viewed = _get(client, pdf, download=False)
    before = timezone.now()
    downloaded = _get(client, pdf, download=True)
    after = timezone.now()
    assert "PATIENT-MARKER" in PdfReader(io.BytesIO(viewed)).pages[0].extract_text()
    assert region.pharmacist.name not in PdfReader(io.BytesIO(viewed)).pages[0].extract_text()
    reader = PdfReader(io.BytesIO(downloaded))
    assert len(reader.pages) == len(PdfReader(io.BytesIO(viewed)).pages) == 2
    for page in reader.pages:
        text = page.extract_text()
        assert region.pharmacist.name in text
        assert "PATIENT-MARKER" in text  # the document itself is still there
        assert any(t in text for t in _times(before, after))
        fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
        assert any(_embedded(f) for f in fonts if "IPAexGothic" in str(f["/BaseFont"]))
    event = _last_file_event(region.pharmacist)
    assert event.action == AuditAction.ATTACHMENT_DOWNLOADED
    assert event.detail["watermarked"]


@pytest.mark.rule("R3.3③")
def test_the_stored_file_is_never_changed(region, posted, client_for):
    client = client_for(region.nurse)
    photo = posted["patient_group"]["image/jpeg"]
    first = _get(client, photo, download=False)
    _get(client, photo, download=True)
    assert _get(client, photo, download=False) == first


@pytest.mark.rule("R3.3③")
@pytest.mark.parametrize("kind", ["group", "connection"])
def test_files_of_groups_and_connections_are_served_as_stored(region, posted, client_for, kind):
    """The rule is about patient groups; groups and connections hold no patient information
    (R2.6, checked by the guard), so their downloads are the files as posted."""
    client = client_for(region.nurse)
    for attachment in posted[kind].values():
        if attachment.content_type.startswith("application/vnd"):
            continue
        assert _get(client, attachment, download=True) == _get(client, attachment, download=False)
        event = _last_file_event(region.nurse)
        assert event.action == AuditAction.ATTACHMENT_VIEWED
    downloads = AuditEvent.objects.filter(
        actor_id=region.nurse.pk, action=AuditAction.ATTACHMENT_DOWNLOADED
    )
    assert downloads.count() == 2
    assert not any(e.detail["watermarked"] for e in downloads)


@pytest.mark.rule("R3.3③")
def test_office_files_are_downloaded_as_stored_and_audited(region, posted, client_for):
    client = client_for(region.nurse)
    word = next(a for a in posted["patient_group"].values() if "word" in a.content_type)
    data = _get(client, word, download=True)
    assert data == _get(client, word, download=False)  # always a download, never an image
    event = _last_file_event(region.nurse)
    assert event.action == AuditAction.ATTACHMENT_DOWNLOADED
    assert event.detail["watermarked"] is False


@pytest.mark.rule("R3.3③")
@pytest.mark.parametrize("outsider", ["visiting_nurse", "helper", "secretariat"])
def test_outsiders_get_no_copy_marked_or_not(region, posted, client_for, outsider):
    client = client_for(getattr(region, outsider))
    for attachment in posted["patient_group"].values():
        assert client.get(f"/files/{attachment.public_id}/?download=1").status_code == 404
    assert not AuditEvent.objects.filter(
        actor_id=getattr(region, outsider).pk,
        action__in=[AuditAction.ATTACHMENT_VIEWED, AuditAction.ATTACHMENT_DOWNLOADED],
    ).exists()


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


@pytest.mark.rule("R3.3③")
def test_there_is_no_bulk_export_every_path_serves_one_file():
    """Files leave the store only through open_attachment, which reads one attachment named
    by one id; only the two views of /files/<id>/ call it; nothing but the operator's encrypted
    backup writes an archive."""
    root = Path(renkei.__file__).parent
    readers, openers, archives = [], [], []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(root))
        readers += [where for _ in _calls(tree, "read_blob")]
        openers += [where for _ in _calls(tree, "open_attachment")]
        for call in _calls(tree, "ZipFile") + _calls(tree, "open"):
            modes = [a.value for a in call.args[1:2] if isinstance(a, ast.Constant)]
            modes += [
                k.value.value
                for k in call.keywords
                if k.arg == "mode" and isinstance(k.value, ast.Constant)
            ]
            if any(isinstance(m, str) and m[:1] in "wax" for m in modes) and (
                "zip" in ast.unparse(call.func).lower() or "tar" in ast.unparse(call.func).lower()
            ):
                archives.append(where)
    assert readers == ["attachments/actions.py"]
    assert sorted(openers) == ["attachments/views.py", "attachments/views.py"]
    # The one archive writer is the operator's encrypted backup (manage.py backup): it copies
    # the store's blobs as they lie, still encrypted with each space's key, reads no attachment
    # (it is not among the readers above) and serves nothing to a member.
    assert archives == ["backups/archive.py"]
    # The file views take exactly one attachment id each.
    file_routes = [p for p in get_resolver().url_patterns if str(p.pattern) == "files/"]
    assert file_routes, "the /files/ routes moved"
    for route in file_routes[0].url_patterns:
        assert str(route.pattern).count("<") == 1
        assert "public_id" in str(route.pattern)
