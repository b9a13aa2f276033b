"""R3.3④: a photo in a patient group is posted only with the patient's consent, confirmed for
each post; groups and connections do not ask."""

import pytest

from renkei.attachments.models import Attachment
from renkei.attachments.uploads import PreparedUpload, prepare_uploads
from renkei.errors import RuleViolation
from renkei.timeline.actions import post_message
from renkei.timeline.models import Post
from tests.attachments import samples
from tests.attachments.helpers import post_files, stored_files


@pytest.mark.rule("R3.3④")
def test_a_patient_group_photo_without_consent_is_refused(region, spaces, data_dir):
    with pytest.raises(RuleViolation) as refused:
        prepare_uploads(
            [samples.upload("wound.jpg", samples.jpeg())],
            space=spaces["patient_group"],
            photo_consent=False,
        )
    assert refused.value.rule == "R3.3④"
    assert refused.value.field == "photo_consent"
    assert "agreed" in refused.value.message
    assert not Post.objects.exists()
    assert stored_files(data_dir) == []


@pytest.mark.rule("R3.3④")
def test_with_consent_the_photo_is_posted_and_the_consent_is_kept(region, spaces):
    post = post_files(
        region.nurse,
        spaces["patient_group"],
        samples.upload("wound.jpg", samples.jpeg()),
        samples.upload("letter.pdf", samples.pdf()),
        body="本人の同意を得て撮影しました。",
        consent=True,
    )
    photo, pdf = post.attachments.order_by("id")
    assert photo.patient_consent_confirmed
    assert not pdf.patient_consent_confirmed  # the confirmation is about photos


@pytest.mark.rule("R3.3④")
@pytest.mark.parametrize("kind", ["group", "connection"])
def test_groups_and_connections_do_not_ask(region, spaces, kind):
    post = post_files(
        region.nurse, spaces[kind], samples.upload("slide.jpg", samples.jpeg()), consent=False
    )
    assert not post.attachments.get().patient_consent_confirmed


@pytest.mark.rule("R3.3④")
def test_post_message_checks_the_consent_itself(region, spaces):
    """Uploads put together without prepare_uploads' check are refused in the transaction."""
    [prepared] = prepare_uploads(
        [samples.upload("slide.jpg", samples.jpeg())], space=spaces["group"], photo_consent=False
    )
    forged = PreparedUpload(**{**prepared.__dict__, "space_id": spaces["patient_group"].pk})
    with pytest.raises(RuleViolation):
        post_message(
            region.nurse,
            space_id=spaces["patient_group"].pk,
            body="",
            attachments=[forged],
        )
    assert not Post.objects.exists()
    assert not Attachment.objects.exists()
