"""Size and count limits come from the regional policy."""

import os

import pytest
from PIL import Image

from renkei.attachments.uploads import prepare_uploads
from renkei.errors import ValidationFailed
from renkei.policy.actions import change_policy
from renkei.timeline.actions import post_message
from renkei.timeline.models import Post
from tests.attachments import samples


def _noise_jpeg(size=(1400, 1100)) -> bytes:
    import io

    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def test_files_over_the_policys_size_are_refused(region, spaces):
    change_policy(region.secretariat, changes={"attachment_max_mb": 1, "image_max_mb": 2})
    big_pdf = samples.pdf() + b"%" + b"x" * (1024 * 1024 + 10) + b"\n"
    with pytest.raises(ValidationFailed) as refused:
        prepare_uploads(
            [samples.upload("big.pdf", big_pdf)], space=spaces["group"], photo_consent=False
        )
    assert "1 MB" in refused.value.errors["attachments"][0]


def test_photos_have_their_own_limit(region, spaces):
    photo = _noise_jpeg()
    assert 1024 * 1024 < len(photo) < 8 * 1024 * 1024
    change_policy(region.secretariat, changes={"attachment_max_mb": 1, "image_max_mb": 8})
    # Over the file limit but within the photo limit: accepted.
    [prepared] = prepare_uploads(
        [samples.upload("noise.jpg", photo)], space=spaces["group"], photo_consent=False
    )
    assert prepared.kind == "image"
    change_policy(region.secretariat, changes={"image_max_mb": 1})
    with pytest.raises(ValidationFailed) as refused:
        prepare_uploads(
            [samples.upload("noise.jpg", photo)], space=spaces["group"], photo_consent=False
        )
    assert "1 MB" in refused.value.errors["attachments"][0]


def test_too_many_attachments_are_refused(region, spaces):
    change_policy(region.secretariat, changes={"attachments_per_post": 2})
    files = [samples.upload(f"{i}.pdf", samples.pdf()) for i in range(3)]
    with pytest.raises(ValidationFailed) as refused:
        prepare_uploads(files, space=spaces["group"], photo_consent=False)
    assert "2" in refused.value.errors["attachments"][0]
    # post_message checks the count again, whoever prepared the list.
    prepared = prepare_uploads(files[:2], space=spaces["group"], photo_consent=False)
    prepared += prepare_uploads(files[2:], space=spaces["group"], photo_consent=False)
    with pytest.raises(ValidationFailed):
        post_message(region.nurse, space_id=spaces["group"].pk, body="", attachments=prepared)
    assert not Post.objects.exists()


def test_a_post_with_neither_text_nor_files_is_refused(region, spaces):
    with pytest.raises(ValidationFailed) as refused:
        post_message(region.nurse, space_id=spaces["group"].pk, body="  ", attachments=[])
    assert "body" in refused.value.errors


def test_uploads_prepared_for_another_space_are_refused(region, spaces):
    prepared = prepare_uploads(
        [samples.upload("a.pdf", samples.pdf())], space=spaces["group"], photo_consent=False
    )
    with pytest.raises(ValidationFailed):
        post_message(region.nurse, space_id=spaces["connection"].pk, body="", attachments=prepared)
    assert not Post.objects.exists()
