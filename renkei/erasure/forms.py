"""Forms of the deletion pages: they read what was typed; the rules live in the actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from renkei.erasure.actions import NOTE_MAX, RELATIONSHIP_MAX
from renkei.erasure.models import RequestChannel, Requester


class DeletionRequestForm(forms.Form):
    requester = forms.ChoiceField(
        label=_("Who asked for complete deletion"),
        choices=Requester.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    relationship = forms.CharField(
        label=_("Relationship to the patient (family)"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": RELATIONSHIP_MAX}),
    )
    asked_on = forms.DateField(
        label=_("Date of the request"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    channel = forms.ChoiceField(
        label=_("How the request was made"),
        choices=RequestChannel.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    channel_note = forms.CharField(
        label=_("Note on how (no names)"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": NOTE_MAX}),
    )

    def values(self) -> dict[str, Any]:
        """What was typed, for the action (which checks it)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        asked_on: date | None = data.get("asked_on")
        return {
            "requester": str(data.get("requester") or ""),
            "relationship": str(data.get("relationship") or ""),
            "asked_on": asked_on,
            "channel": str(data.get("channel") or ""),
            "channel_note": str(data.get("channel_note") or ""),
        }


class ExecuteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked this request; erase the patient group completely."),
        required=True,
        error_messages={"required": _("Tick the box to confirm.")},
    )
