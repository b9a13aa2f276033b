"""Forms of the space pages: they read what was typed; the rules live in the actions.

Fields are lenient (nothing required here) so that ``renkei.spaces.actions`` gives every
message; the browser hints (``required``, ``maxlength``) only help people type.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from renkei.spaces.actions import PatientInput
from renkei.spaces.models import Sex


def _text(label: Any, *, maxlength: int, required: bool = False, **attrs: Any) -> forms.CharField:
    widget_attrs: dict[str, Any] = {"maxlength": maxlength, **attrs}
    if required:
        widget_attrs["required"] = True
    return forms.CharField(
        label=label, required=False, strip=False, widget=forms.TextInput(attrs=widget_attrs)
    )


class MemberSearchForm(forms.Form):
    """A name, furigana or login ID to find members of the network by."""

    q = forms.CharField(
        label=_("Find members by name, furigana or login ID"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "maxlength": 60}),
    )

    def query(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return str(self.cleaned_data.get("q") or "").strip()


def picked_ids(data: Any, name: str = "members") -> list[uuid.UUID]:
    """The public ids of the members ticked in a form; what cannot be read is left out."""
    ids = []
    for raw in data.getlist(name) if hasattr(data, "getlist") else []:
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    return list(dict.fromkeys(ids))


class GroupNameForm(forms.Form):
    name = _text(_("Group name"), maxlength=100, required=True)

    def name_value(self) -> str:
        self.is_valid()
        return str(self.cleaned_data.get("name") or "")


class PatientForm(forms.Form):
    """The header of a patient group: who the patient is and who cares for them."""

    name = _text(_("Patient's name"), maxlength=60, required=True, autocomplete="off")
    furigana = _text(
        _("Furigana (hiragana)"),
        maxlength=60,
        required=True,
        autocomplete="off",
        placeholder="あさか はなこ",
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "required": True}, format="%Y-%m-%d"),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        required=False,
        choices=[("", _("Choose…")), *Sex.choices],
        widget=forms.Select(attrs={"required": True}),
    )
    address = _text(pgettext_lazy("patient", "Address"), maxlength=200, autocomplete="off")
    phone = _text(_("Phone"), maxlength=20, type="tel", autocomplete="off")
    key_person = _text(_("Key person"), maxlength=100, autocomplete="off")
    care_level = _text(_("Care level"), maxlength=40, placeholder="要介護2")
    primary_doctor = _text(_("Primary doctor"), maxlength=60, autocomplete="off")

    OPTIONAL = ("address", "phone", "key_person", "care_level", "primary_doctor")

    def patient(self) -> PatientInput:
        """The entry as the actions take it."""
        self.is_valid()
        data = self.cleaned_data
        birth_date: date | None = data.get("birth_date")
        return PatientInput(
            name=data.get("name") or "",
            furigana=data.get("furigana") or "",
            birth_date=birth_date,
            sex=data.get("sex") or "",
            address=data.get("address") or "",
            phone=data.get("phone") or "",
            key_person=data.get("key_person") or "",
            care_level=data.get("care_level") or "",
            primary_doctor=data.get("primary_doctor") or "",
        )


class NewPatientGroupForm(PatientForm):
    """A new patient group: the patient and the lead facility, one of the member's own."""

    facility = forms.ChoiceField(label=_("Lead facility"), required=False, choices=[])

    field_order = ["facility"]

    def __init__(self, *args: Any, facilities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["facility"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = facilities
        if len(facilities) == 1:
            field.initial = facilities[0][0]

    def facility_public_id(self) -> str:
        self.is_valid()
        return str(self.cleaned_data.get("facility") or "")
