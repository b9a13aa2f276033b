"""Forms of the secretariat console: they read what was typed; the rules live in the actions.

Fields that an action checks are lenient here (not required, no enforced length), so that the
action gives the one message for a rule; browser hints (``required``, ``maxlength``) only help.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renkei.audit.events import AuditAction
from renkei.facilities.models import Affiliation
from renkei.policy.definitions import SETTINGS

# Dates typed in the console are days in Japan, whatever the server's clock says.
TOKYO = ZoneInfo("Asia/Tokyo")


class ConsoleForm(forms.Form):
    """Labels stand above their fields, so they need no trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DecisionForm(ConsoleForm):
    """The secretariat's decision on an application: accept, or reject with a reason."""

    ACCEPT = "accept"
    REJECT = "reject"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ACCEPT, _("Accept")), (REJECT, _("Reject"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose accept or reject."),
            "invalid_choice": _("Choose accept or reject."),
        },
    )
    reason = forms.CharField(
        label=_("Reason for rejection"),
        required=False,
        strip=False,
        help_text=_("Required when rejecting. It is e-mailed to the facility manager."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
    )


class StaffChoiceForm(ConsoleForm):
    """Choose one person from a facility's current staff list."""

    member = forms.ChoiceField(
        label=_("Staff member"),
        error_messages={
            "required": _("Choose a staff member."),
            "invalid_choice": _("Choose a staff member from the list."),
        },
    )

    def __init__(self, *args: Any, rows: Iterable[Affiliation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ids = {str(row.member.public_id): row.member_id for row in rows}
        labels = {str(row.member.public_id): f"{row.number}. {row.member.name}" for row in rows}
        field = self.fields["member"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose…")), *labels.items()]

    @property
    def member_id(self) -> int:
        """The internal id of the chosen member; call after ``is_valid()``."""
        return self._ids[self.cleaned_data["member"]]


class WithdrawForm(ConsoleForm):
    """The confirm step before a facility leaves the network."""

    left_on = forms.DateField(
        label=_("Date of leaving (loss of eligibility)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-04-01.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that every staff member of this facility loses access now."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class PolicyForm(ConsoleForm):
    """Every setting of the regional policy in one form; values are checked by the action."""

    def __init__(self, *args: Any, current: dict[str, Any], **kwargs: Any) -> None:
        kwargs["initial"] = current
        super().__init__(*args, **kwargs)
        for setting in SETTINGS:
            # Setting labels are lazy translations; the stubs type them more narrowly.
            label: Any = setting.label
            field: forms.Field
            if setting.kind is bool:
                field = forms.BooleanField(label=label, required=False)
            elif setting.kind is int:
                attrs: dict[str, Any] = {"inputmode": "numeric"}
                if setting.minimum is not None:
                    attrs["min"] = setting.minimum
                if setting.maximum is not None:
                    attrs["max"] = setting.maximum
                field = forms.CharField(
                    label=label, required=False, widget=forms.NumberInput(attrs=attrs)
                )
            elif setting.choices:
                field = forms.ChoiceField(
                    label=label, required=False, choices=cast(Any, setting.choices)
                )
            else:
                field = forms.CharField(
                    label=label,
                    required=False,
                    strip=False,
                    widget=forms.TextInput(attrs={"maxlength": setting.max_length}),
                )
            field.help_text = cast(Any, setting.help)
            self.fields[setting.key] = field

    def changes(self) -> dict[str, Any]:
        """What was sent for each setting, as typed; call after ``is_valid()``."""
        return {s.key: self.cleaned_data.get(s.key, "") for s in SETTINGS}


def _choices_with_any(choices: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [("", _("All")), *choices]


class AuditFilterForm(ConsoleForm):
    """Filters of the audit trail browser; every field is optional."""

    action = forms.TypedChoiceField(label=_("Action"), required=False, coerce=int, empty_value=None)
    actor = forms.CharField(
        label=_("Actor (login ID or name)"),
        required=False,
        max_length=60,
        error_messages={"max_length": _("Use at most %(limit_value)d characters.")},
    )
    facility = forms.ChoiceField(label=_("Facility"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    since = forms.DateField(
        label=_("From (date)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-04-01.")},
    )
    until = forms.DateField(
        label=_("To (date)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-04-01.")},
    )

    def __init__(
        self,
        *args: Any,
        facilities: list[tuple[str, str]],
        object_types: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        invalid = _("Choose from the list.")
        for name, choices in (
            ("action", AuditAction.choices),
            ("facility", facilities),
            ("object_type", [(t, t) for t in object_types]),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = _choices_with_any(choices)
            field.error_messages["invalid_choice"] = invalid

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date cannot be before the start date."))
        return data

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        """The chosen dates as a half-open range of instants, each day a whole day in Tokyo."""
        since: date | None = self.cleaned_data.get("since")
        until: date | None = self.cleaned_data.get("until")
        start = datetime.combine(since, time.min, tzinfo=TOKYO) if since else None
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=TOKYO) if until else None
        return start, end


def today_in_tokyo() -> date:
    """Today's date in Japan, the default day a facility leaves."""
    return timezone.localdate(timezone=TOKYO)
