"""Files are stored encrypted with their space's key, only once the post commits, and go with
the post."""

import pytest
from django.db import transaction

from renkei.attachments import storage
from renkei.attachments.models import Attachment
from renkei.attachments.uploads import prepare_uploads
from renkei.timeline.actions import delete_post, post_message
from renkei.timeline.models import Post
from tests.attachments import samples
from tests.attachments.helpers import post_files, stored_files


def test_bytes_on_disk_are_not_the_plaintext(
    region, spaces, data_dir, django_capture_on_commit_callbacks
):
    marker = "SECRET-PATIENT-MARKER-4711"
    document = samples.pdf(marker)
    assert marker.encode() in document
    post = post_files(
        region.nurse,
        spaces["patient_group"],
        samples.upload("紹介状.pdf", document),
        samples.upload("docx.docx", samples.docx()),
        capture=django_capture_on_commit_callbacks,
    )
    files = stored_files(data_dir)
    assert len(files) == 2
    for path in files:
        data = path.read_bytes()
        assert marker.encode() not in data
        assert b"%PDF" not in data
        assert b"DOCX-MARKER" not in data
        assert not data.startswith(b"PK")
        # Each file lies in its space's folder under the attachment's id.
        assert path.parent.name == str(spaces["patient_group"].public_id)
    names = {p.name for p in files}
    assert names == {f"{a.public_id}.bin" for a in post.attachments.all()}


def test_nothing_is_written_before_the_post_commits(region, spaces, data_dir):
    # Under the test transaction nothing commits: the rows exist, the files do not yet.
    post = post_files(region.nurse, spaces["group"], samples.upload("a.pdf", samples.pdf()))
    assert post.attachments.count() == 1
    assert stored_files(data_dir) == []


def test_a_failing_post_leaves_no_file_and_no_row(
    region, spaces, data_dir, monkeypatch, django_capture_on_commit_callbacks
):
    prepared = prepare_uploads(
        [samples.upload("a.jpg", samples.jpeg()), samples.upload("b.pdf", samples.pdf())],
        space=spaces["group"],
        photo_consent=False,
    )

    def broken(*args, **kwargs):
        raise RuntimeError("notification queue unavailable")

    monkeypatch.setattr("renkei.timeline.actions.queue_for_post", broken)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        post_message(region.nurse, space_id=spaces["group"].pk, body="", attachments=prepared)
    assert not Post.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(data_dir) == []


@pytest.mark.django_db(transaction=True)
def test_an_outer_rollback_leaves_no_file(region, spaces, data_dir):
    prepared = prepare_uploads(
        [samples.upload("a.jpg", samples.jpeg())], space=spaces["group"], photo_consent=False
    )

    def post_then_fail() -> None:
        with transaction.atomic():
            post_message(region.nurse, space_id=spaces["group"].pk, body="", attachments=prepared)
            raise ZeroDivisionError  # the caller's transaction fails after the post was made

    with pytest.raises(ZeroDivisionError):
        post_then_fail()
    assert not Attachment.objects.exists()
    assert stored_files(data_dir) == []
    # And a real commit does write them, photo and thumbnail.
    post_message(region.nurse, space_id=spaces["group"].pk, body="", attachments=prepared)
    assert len(stored_files(data_dir)) == 2
    assert not list(data_dir.rglob("*.part"))


def test_deleting_the_post_removes_its_files(
    region, spaces, data_dir, django_capture_on_commit_callbacks
):
    post = post_files(
        region.nurse,
        spaces["group"],
        samples.upload("a.jpg", samples.jpeg()),
        capture=django_capture_on_commit_callbacks,
    )
    attachment = post.attachments.get()
    assert storage.blob_path(attachment).exists()
    with django_capture_on_commit_callbacks(execute=True):
        delete_post(region.nurse, post_id=post.pk)
    assert not Attachment.objects.exists()
    assert stored_files(data_dir) == []


def test_a_retried_send_stores_its_files_once(
    region, spaces, data_dir, django_capture_on_commit_callbacks
):
    def send():
        prepared = prepare_uploads(
            [samples.upload("a.pdf", samples.pdf())], space=spaces["group"], photo_consent=False
        )
        with django_capture_on_commit_callbacks(execute=True):
            return post_message(
                region.nurse,
                space_id=spaces["group"].pk,
                body="",
                client_id="send-with-file-01",
                attachments=prepared,
            )

    assert send().pk == send().pk
    assert Attachment.objects.count() == 1
    assert len(stored_files(data_dir)) == 1
