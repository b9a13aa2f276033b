"""Each accepted kind is recognised by its content and stored under the name of its type."""

import pytest

from renkei.attachments.models import Attachment
from renkei.attachments.uploads import prepare_uploads
from tests.attachments import samples
from tests.attachments.helpers import post_files, stored_files

PHOTOS = [
    ("IMG_0001.JPG", samples.jpeg, "image/jpeg", "IMG_0001.jpg"),
    ("screen.png", samples.png, "image/jpeg", "screen.jpg"),  # no transparency: stored as JPEG
    ("logo.png", lambda: samples.png(alpha=True), "image/png", "logo.png"),
    ("photo.webp", samples.webp, "image/jpeg", "photo.jpg"),
    ("anim.gif", samples.gif_animated, "image/jpeg", "anim.jpg"),
]
FILES = [
    ("紹介状.pdf", samples.pdf, "application/pdf", "紹介状.pdf"),
    ("報告書.docx", samples.docx, "wordprocessingml.document", "報告書.docx"),
    ("記録.xlsx", samples.xlsx, "spreadsheetml.sheet", "記録.xlsx"),
    ("会議.pptx", samples.pptx, "presentationml.presentation", "会議.pptx"),
    (
        "旧形式.doc",
        lambda: samples.cfb("WordDocument", "1Table"),
        "application/msword",
        "旧形式.doc",
    ),
    ("旧表.xls", lambda: samples.cfb("Workbook"), "application/vnd.ms-excel", "旧表.xls"),
    (
        "旧.ppt",
        lambda: samples.cfb("PowerPoint Document", "Current User"),
        "application/vnd.ms-powerpoint",
        "旧.ppt",
    ),
]


@pytest.mark.parametrize(("name", "make", "content_type", "stored"), PHOTOS)
def test_photos_are_accepted_and_reencoded(
    region, spaces, data_dir, django_capture_on_commit_callbacks, name, make, content_type, stored
):
    # The client's claimed type is ignored: every upload here says octet-stream.
    post = post_files(
        region.nurse,
        spaces["group"],
        samples.upload(name, make()),
        capture=django_capture_on_commit_callbacks,
    )
    attachment = Attachment.objects.get(post=post)
    assert attachment.kind == "image"
    assert attachment.content_type == content_type
    assert attachment.name == stored
    assert attachment.has_thumbnail
    assert attachment.width
    assert attachment.height
    assert len(stored_files(data_dir)) == 2  # the photo and its thumbnail


@pytest.mark.parametrize(("name", "make", "content_type", "stored"), FILES)
def test_files_are_accepted_as_they_are(
    region, spaces, data_dir, django_capture_on_commit_callbacks, name, make, content_type, stored
):
    data = make()
    post = post_files(
        region.nurse,
        spaces["patient_group"],
        samples.upload(name, data),
        consent=False,  # files need no photo consent, even in a patient group
        capture=django_capture_on_commit_callbacks,
    )
    attachment = Attachment.objects.get(post=post)
    assert attachment.kind == "file"
    assert content_type in attachment.content_type
    assert attachment.name == stored
    assert attachment.size == len(data)
    assert not attachment.has_thumbnail
    assert len(stored_files(data_dir)) == 1


def test_a_post_may_be_attachments_alone_and_holds_several(region, spaces):
    post = post_files(
        region.nurse,
        spaces["group"],
        samples.upload("a.jpg", samples.jpeg()),
        samples.upload("b.pdf", samples.pdf()),
    )
    assert post.body == ""
    assert [a.name for a in post.attachments.order_by("id")] == ["a.jpg", "b.pdf"]


def test_a_name_without_extension_gets_the_one_of_its_type(region, spaces):
    [prepared] = prepare_uploads(
        [samples.upload("scan", samples.pdf())], space=spaces["group"], photo_consent=False
    )
    assert prepared.name == "scan.pdf"
