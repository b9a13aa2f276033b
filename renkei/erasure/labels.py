"""The words for what a complete deletion erased, shared by the pages, the API and the PDF."""

from __future__ import annotations

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Counts kept on the tombstone, in the order they are shown; other models found by the
# discovery rule are shown under their own verbose name.
COUNT_LABELS: dict[str, str | Promise] = {
    "posts": _("Posts"),
    "replies": _("Replies"),
    "versions": _("Earlier versions of edited posts"),
    "attachments": _("Attachments"),
    "photos": _("of which photos"),
    "thumbnails": _("Photo previews"),
    "files": _("Encrypted files in the file store"),
    "acknowledgements": _("Acknowledgements"),
    "ack_requests": _("Requests for acknowledgement"),
    "mentions": _("Mentions"),
    "notifications": _("Notifications"),
    "search_entries": _("Search index entries"),
    "patient_records": _("Patient record"),
    "memberships": _("Memberships"),
}

# Model labels whose count goes under one of the names above.
MODEL_KEYS = {
    "timeline.postversion": "versions",
    "attachments.attachment": "attachments",
    "timeline.acknowledgement": "acknowledgements",
    "timeline.ackrequest": "ack_requests",
    "timeline.mention": "mentions",
    "notifications.notification": "notifications",
    "spaces.patientrecord": "patient_records",
    "spaces.membership": "memberships",
}


def count_label(key: str) -> str:
    """The words for one count key: a known kind, or an installed model's verbose name."""
    if key in COUNT_LABELS:
        return str(COUNT_LABELS[key])
    try:
        return str(apps.get_model(key)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return key


def count_rows(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(label, count) in display order: the known kinds first, then the rest by key."""
    known = [(str(label), counts[key]) for key, label in COUNT_LABELS.items() if key in counts]
    rest = [(count_label(key), n) for key, n in sorted(counts.items()) if key not in COUNT_LABELS]
    return known + rest
