"""Forms of the problem-report pages; the rules live in renkei.reports.actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from renkei.reports.actions import BODY_MAX, TITLE_MAX
from renkei.reports.models import ReportCategory, ReportStatus


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=ReportCategory.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("What happened"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 8})
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReportStatus.choices)


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ReportStatus.choices]
    )
    facility = forms.ChoiceField(label=_("Facility"), required=False)

    def __init__(self, *args: object, facilities: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["facility"].choices = [("", _("All facilities")), *facilities]  # type: ignore[attr-defined]
