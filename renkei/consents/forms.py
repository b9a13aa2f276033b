"""The consent pages' forms: what the paper says, read as input for the actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from renkei.consents.actions import ConsentInput
from renkei.consents.models import Signer


class ConsentForm(forms.Form):
    consented_on = forms.DateField(
        label=_("Date signed"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    signer = forms.ChoiceField(
        label=_("Who signed"), choices=Signer.choices, widget=forms.RadioSelect, required=False
    )
    signer_name = forms.CharField(
        label=_("Name of the family member or proxy signer"), max_length=60, required=False
    )
    signer_relationship = forms.CharField(
        label=_("Relationship to the patient (続柄)"), max_length=30, required=False
    )
    document = forms.FileField(
        label=_("Signed form 4 (PDF, or a photo or scan)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )

    def consent(self) -> ConsentInput:
        data = self.cleaned_data if self.is_valid() else {}
        return ConsentInput(
            consented_on=data.get("consented_on"),
            signer=data.get("signer") or "",
            signer_name=data.get("signer_name") or "",
            signer_relationship=data.get("signer_relationship") or "",
        )


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(
        label=_("Date withdrawn"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
