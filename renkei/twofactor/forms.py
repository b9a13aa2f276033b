"""Forms of the two-factor pages; the rules live in ``renkei.twofactor.actions``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from renkei.accounts.forms import _password_field


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code of your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        error_messages={"required": _("Enter the code.")},
    )


class ConfirmTotpForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": _("Enter the code.")},
    )


class PasswordForm(forms.Form):
    password = _password_field(_("Your password"), "current-password")
