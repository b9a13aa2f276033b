"""Photos are stored as pixels only: no EXIF, GPS, ICC profile or comment survives; they are
turned upright, get a thumbnail, and broken or oversized images are refused."""

import io

import pytest
from PIL import Image

from renkei.attachments.actions import open_attachment
from renkei.attachments.models import Attachment
from renkei.attachments.uploads import prepare_uploads
from renkei.errors import ValidationFailed
from tests.attachments import samples
from tests.attachments.helpers import post_files, stored_files


def _stored(member, attachment, *, thumbnail=False) -> bytes:
    return open_attachment(member, public_id=attachment.public_id, thumbnail=thumbnail).data


def test_gps_and_every_other_metadata_are_stripped(
    region, spaces, django_capture_on_commit_callbacks
):
    original = samples.jpeg(gps=True)
    source = Image.open(io.BytesIO(original))
    assert source.getexif().get_ifd(0x8825)  # the upload does carry a GPS position
    assert b"HOME-OF-PATIENT-COMMENT" in original
    post = post_files(
        region.nurse,
        spaces["group"],
        samples.upload("visit.jpg", original, "image/jpeg"),
        capture=django_capture_on_commit_callbacks,
    )
    attachment = Attachment.objects.get(post=post)
    for thumbnail in (False, True):
        data = _stored(region.pharmacist, attachment, thumbnail=thumbnail)
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert not image.getexif().get_ifd(0x8825)
        assert "exif" not in image.info
        assert "icc_profile" not in image.info
        assert "comment" not in image.info
        assert not any(k.startswith(("xmp", "XML")) for k in image.info)
        for trace in (b"Exif", b"PhoneMaker", b"Model-X", b"HOME-OF-PATIENT", b"ICC-PROFILE"):
            assert trace not in data


def test_photos_are_turned_upright_by_their_exif_orientation(region, spaces):
    # Orientation 6: the camera was held upright, the sensor wrote the picture sideways.
    [prepared] = prepare_uploads(
        [samples.upload("side.jpg", samples.jpeg((1600, 1200), orientation=6))],
        space=spaces["group"],
        photo_consent=False,
    )
    assert (prepared.width, prepared.height) == (1200, 1600)


def test_a_thumbnail_is_made(region, spaces, django_capture_on_commit_callbacks):
    post = post_files(
        region.nurse,
        spaces["group"],
        samples.upload("wide.jpg", samples.jpeg((2400, 1200))),
        capture=django_capture_on_commit_callbacks,
    )
    attachment = Attachment.objects.get(post=post)
    thumb = Image.open(io.BytesIO(_stored(region.nurse, attachment, thumbnail=True)))
    assert thumb.format == "JPEG"
    assert thumb.size == (480, 240)
    full = Image.open(io.BytesIO(_stored(region.nurse, attachment)))
    assert full.size == (2400, 1200)


def test_transparency_is_kept_as_png(region, spaces, django_capture_on_commit_callbacks):
    post = post_files(
        region.nurse,
        spaces["group"],
        samples.upload("sticker.png", samples.png(alpha=True)),
        capture=django_capture_on_commit_callbacks,
    )
    attachment = Attachment.objects.get(post=post)
    image = Image.open(io.BytesIO(_stored(region.nurse, attachment)))
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    assert image.getpixel((5, 5))[3] == 128


@pytest.mark.parametrize(
    "data",
    [
        samples.jpeg()[:3000],  # cut short
        b"\xff\xd8\xff\xe0" + b"\x00" * 500,  # a JPEG signature and nothing else
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 50,
        b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 40,
    ],
    ids=["truncated-jpeg", "header-only-jpeg", "garbage-png", "empty-webp"],
)
def test_broken_images_are_refused(region, spaces, data_dir, data):
    with pytest.raises(ValidationFailed) as refused:
        prepare_uploads(
            [samples.upload("broken", data)], space=spaces["group"], photo_consent=False
        )
    [text] = refused.value.errors["attachments"]
    assert "damaged" in text
    assert stored_files(data_dir) == []


def test_a_decompression_bomb_is_refused_before_decoding(region, spaces):
    image = Image.new("1", (12_000, 12_000))  # 144 million pixels in a tiny file
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 1024 * 1024
    with pytest.raises(ValidationFailed) as refused:
        prepare_uploads(
            [samples.upload("bomb.png", out.getvalue())], space=spaces["group"], photo_consent=False
        )
    assert "too many pixels" in refused.value.errors["attachments"][0]


def test_an_iphone_heic_photo_is_stored_as_jpeg_without_its_metadata(
    region, spaces, django_capture_on_commit_callbacks
):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model-X"
    exif.get_ifd(0x8825)[2] = (35.0, 47.0, 12.0)  # a GPS latitude
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 160, 60)).save(buffer, format="HEIF", exif=exif.tobytes())
    original = buffer.getvalue()
    assert original[4:12] == b"ftypheic"
    post = post_files(
        region.nurse,
        spaces["group"],
        samples.upload("IMG_0001.HEIC", original, "image/heic"),
        capture=django_capture_on_commit_callbacks,
    )
    attachment = Attachment.objects.get(post=post)
    assert attachment.content_type == "image/jpeg"
    data = _stored(region.pharmacist, attachment)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (640, 480)
    assert len(image.getexif()) == 0
    for trace in (b"Exif", b"PhoneMaker", b"Model-X"):
        assert trace not in data


def test_a_broken_heic_is_refused_clearly(region, spaces):
    with pytest.raises(ValidationFailed) as refused:
        prepare_uploads(
            [samples.upload("IMG_0002.HEIC", samples.heic_header())],
            space=spaces["group"],
            photo_consent=False,
        )
    assert "IMG_0002" in refused.value.errors["attachments"][0]
