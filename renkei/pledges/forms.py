"""The pledge and education pages' forms: what the paper says, read as input for the actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SignedForm(forms.Form):
    signed_on = forms.DateField(
        label=_("Date signed"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    document = forms.FileField(
        label=_("Signed pledge (PDF, or a photo or scan)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )


class OnFileForm(forms.Form):
    signed_on = forms.DateField(
        label=_("Date of the pledge on file"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=_("Where it is kept (optional)"), max_length=200, required=False)


class EducationForm(forms.Form):
    held_on = forms.DateField(
        label=_("Date held"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    attendees = forms.MultipleChoiceField(
        label=_("Attendees"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, staff: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["attendees"].choices = staff  # type: ignore[attr-defined]
