"""Forms of the timeline pages: they read what was typed; the rules live in the actions.

Nothing is required or limited here: ``renkei.timeline.actions`` gives every message (empty or
too long a post, a member who is not in the space), so the page and the API say the same.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


def new_client_id() -> str:
    """A fresh id for one rendering of a post form: sending it twice makes one post."""
    return uuid.uuid4().hex


class PostForm(forms.Form):
    """A post or a reply. ``client_id`` is chosen when the form is shown, so a double submit
    or a retried send finds the post it made instead of making a second one."""

    body = forms.CharField(
        label=_("Message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    client_id = forms.CharField(required=False, widget=forms.HiddenInput)
    ack_from = forms.MultipleChoiceField(
        label=_("Ask for 了解 from"),
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
    )
    # The page renders these two itself (two file inputs, the consent only in patient groups);
    # they are fields so that their refusals can be shown next to them.
    attachments = forms.FileField(label=_("Photos and files"), required=False)
    photo_consent = forms.BooleanField(
        label=_("I have the patient's consent to take and post this photo."), required=False
    )
    # R2.6: in a connection, send what the guard held back as patients' personal information.
    confirm = forms.BooleanField(required=False)
    # What the guard found in the last send (matches and patient_link), for the page to show.
    guard: dict[str, Any]

    def __init__(
        self,
        *args: Any,
        ack_choices: list[tuple[str, str]] | None = None,
        max_chars: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.guard = {}
        if not self.is_bound:
            self.initial.setdefault("client_id", new_client_id())
        field = self.fields["ack_from"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = ack_choices or []
        if max_chars:
            self.fields["body"].widget.attrs["maxlength"] = max_chars

    def typed(self) -> dict[str, Any]:
        """What was sent, read leniently: text as typed, the client id, the ticked members and
        whether the patient agreed to the photos (R3.3④); the files are read by the view."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "body": data.get("body") or "",
            "client_id": (data.get("client_id") or "").strip(),
            # Read as sent: the action refuses anyone who is not a member of the space.
            "ack_from": list(self.data.getlist(self.add_prefix("ack_from")))
            if hasattr(self.data, "getlist")
            else [],
            "photo_consent": bool(data.get("photo_consent")),
            "confirm": bool(data.get("confirm")),
        }


class EditForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard: dict[str, Any] = {}

    def body_value(self) -> str:
        self.is_valid()
        return str(self.cleaned_data.get("body") or "")

    def confirmed(self) -> bool:
        self.is_valid()
        return bool(self.cleaned_data.get("confirm"))
