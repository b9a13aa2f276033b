"""Forms of the facility pages: they read what was typed; the rules live in the actions.

Fields are lenient on purpose (nothing required, no length limits enforced here) so that the
one set of checks, ``renkei.facilities.actions``, gives every message; the browser hints
(``required``, ``maxlength``) only help people type.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from renkei.accounts.models import Profession
from renkei.audit.events import AuditAction
from renkei.facilities.actions import MAX_USERS_PER_APPLICATION, ApplicationInput, PersonInput
from renkei.facilities.models import FacilityKind

# How many user rows the application shows at first, and how many "add rows" appends.
USER_ROWS = 5
MORE_ROWS = 5


def _text(label: Any, *, maxlength: int, required: bool = True, **attrs: Any) -> forms.Field:
    widget_attrs: dict[str, Any] = {"maxlength": maxlength, **attrs}
    if required:
        widget_attrs["required"] = True
    return forms.CharField(
        label=label, required=False, strip=False, widget=forms.TextInput(attrs=widget_attrs)
    )


def _choices(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("Choose…")), *choices]


class PersonFields(forms.Form):
    """Name, furigana, profession and e-mail of one person, as on form 3."""

    name = _text(_("Name"), maxlength=60, autocomplete="off")
    furigana = _text(
        _("Furigana (hiragana)"), maxlength=60, autocomplete="off", placeholder="やまだ はなこ"
    )
    profession = forms.ChoiceField(
        label=_("Profession"), required=False, choices=_choices(Profession.choices)
    )
    email = forms.CharField(
        label=_("E-mail"),
        required=False,
        strip=False,
        widget=forms.EmailInput(attrs={"maxlength": 254, "autocomplete": "off"}),
    )

    def person(self) -> PersonInput:
        """The entry as the actions take it."""
        data = self.cleaned_data
        return PersonInput(
            name=data.get("name", ""),
            furigana=data.get("furigana", ""),
            profession=data.get("profession", ""),
            email=data.get("email", ""),
        )


class StaffForm(PersonFields):
    """A facility admin registers one staff member (R2.10)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "staff")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["required"] = True


class UserRowForm(PersonFields):
    """One row of the application's user list; a row left empty is ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # rows are optional, so the browser must not insist
            field.widget.attrs.pop("required", None)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any((data.get(name) or "").strip() for name in self.fields)


if TYPE_CHECKING:
    _RowFormSet = forms.BaseFormSet[UserRowForm]
else:  # BaseFormSet is generic only in the type stubs
    _RowFormSet = forms.BaseFormSet


class BaseUserRowFormSet(_RowFormSet):
    def filled(self) -> list[tuple[int, UserRowForm]]:
        """The rows that hold anything, with their index in the formset."""
        return [(i, f) for i, f in enumerate(self.forms) if not f.is_blank()]


UserRowFormSet = cast(
    type[BaseUserRowFormSet],
    forms.formset_factory(
        UserRowForm,
        formset=BaseUserRowFormSet,
        extra=USER_ROWS,
        max_num=MAX_USERS_PER_APPLICATION,
        absolute_max=MAX_USERS_PER_APPLICATION,
    ),
)


class ApplicationForm(forms.Form):
    """The facility part of form 3 (誓約同意書) and the manager; the users are a formset."""

    kind = forms.ChoiceField(
        label=_("Kind of facility"),
        required=False,
        choices=_choices(FacilityKind.choices),
        widget=forms.Select(attrs={"required": True}),
    )
    name = _text(_("Facility name"), maxlength=100, autocomplete="organization")
    postal_code = _text(
        _("Postal code"),
        maxlength=8,
        autocomplete="postal-code",
        inputmode="numeric",
        placeholder="351-0104",
    )
    address = _text(
        pgettext_lazy("facility", "Address"), maxlength=200, autocomplete="street-address"
    )
    tel = _text(_("TEL"), maxlength=20, autocomplete="tel", type="tel", placeholder="048-465-6575")
    fax = _text(_("FAX"), maxlength=20, required=False, type="tel")
    pledge_date = forms.DateField(
        label=_("Date of the pledge"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "required": True}, format="%Y-%m-%d"),
    )
    manager_name = _text(_("Name"), maxlength=60)
    manager_furigana = _text(_("Furigana (hiragana)"), maxlength=60, placeholder="やまだ たろう")
    manager_profession = forms.ChoiceField(
        label=_("Profession"),
        required=False,
        choices=_choices(Profession.choices),
        widget=forms.Select(attrs={"required": True}),
    )
    manager_email = forms.CharField(
        label=_("E-mail"),
        required=False,
        strip=False,
        widget=forms.EmailInput(attrs={"maxlength": 254, "required": True}),
    )
    agreed_to_policy = forms.BooleanField(
        label=_(
            "I have read the region's operating policy and rules and agree to them on behalf of "
            "the facility and its users."
        ),
        required=False,
        widget=forms.CheckboxInput(attrs={"required": True}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pledge_date"].initial = timezone.localdate

    def application(self, users: list[PersonInput]) -> ApplicationInput:
        """The application as ``apply_to_join`` takes it."""
        data = self.cleaned_data
        pledge_date: date | None = data.get("pledge_date")
        return ApplicationInput(
            kind=data.get("kind", ""),
            name=data.get("name", ""),
            postal_code=data.get("postal_code", ""),
            address=data.get("address", ""),
            tel=data.get("tel", ""),
            fax=data.get("fax", ""),
            pledge_date=pledge_date,
            manager=PersonInput(
                name=data.get("manager_name", ""),
                furigana=data.get("manager_furigana", ""),
                profession=data.get("manager_profession", ""),
                email=data.get("manager_email", ""),
            ),
            users=users,
            agreed_to_policy=bool(data.get("agreed_to_policy")),
        )


class DateForm(forms.Form):
    """A date that defaults to today: the loss-of-eligibility date or the leaving date."""

    on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate
        if label is not None:
            self.fields["on"].label = label


class AuditFilterForm(forms.Form):
    """Filters of the facility's audit trail: one kind of event and a date range."""

    action = forms.TypedChoiceField(
        label=_("Event"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All events")), *AuditAction.choices],
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date must not be before the start date."))
        return data
