"""Forms of the account pages: they read and shape input; the rules live in the actions.

Password fields are never stripped (a space is part of what the person typed, and the policy
says so in its own message) and never re-displayed after an error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from renkei.accounts.passwords import MAX_LENGTH as PASSWORD_MAX_LENGTH
from renkei.policy.definitions import Policy

LOGIN_ID_MAX_LENGTH = 32
EMAIL_MAX_LENGTH = 254


def _too_long() -> Any:
    return _("Use at most %(limit_value)d characters (now %(show_value)d).")


def _password_field(label: Any, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": _("Enter the password."), "max_length": _too_long()},
    )


def _login_id_field(*, autocomplete: str, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=_("Login ID"),
        max_length=LOGIN_ID_MAX_LENGTH,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={
                "autocomplete": autocomplete,
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": _("Enter your login ID."), "max_length": _too_long()},
    )


def password_help(policy: Policy) -> str:
    """What the regional policy asks of a new password, as shown beside the field (R2.2)."""
    if policy.password_require_letters_and_digits:
        text = gettext("At least %(n)d characters, mixing letters and digits.") % {
            "n": policy.password_min_length
        }
    else:
        text = gettext("At least %(n)d characters.") % {"n": policy.password_min_length}
    if policy.password_check_common:
        text += " " + gettext(
            "Common passwords, the service's or region's name with digits added, and runs such "
            "as 1234 or qwerty cannot be used."
        )
    return text


class NewPasswordForm(forms.Form):
    """A new password typed twice; the two must match before the policy is even asked."""

    new_field = "new"

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[self.new_field].help_text = password_help(policy)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new = data.get(self.new_field)
        confirm = data.get("confirm")
        if new is not None and confirm is not None and new != confirm:
            self.add_error("confirm", _("The two new passwords do not match."))
        return data


class SignInForm(forms.Form):
    login_id = _login_id_field(autocomplete="username")
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password."), "max_length": _too_long()},
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class ChangePasswordForm(NewPasswordForm):
    current = _password_field(_("Current password"), "current-password")
    new = _password_field(_("New password"), "new-password")
    confirm = _password_field(_("New password (again)"), "new-password")


class ResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter a valid e-mail address (e.g. name@example.jp)."),
            "max_length": _too_long(),
        },
    )


class ResetConfirmForm(NewPasswordForm):
    new = _password_field(_("New password"), "new-password")
    confirm = _password_field(_("New password (again)"), "new-password")


class ActivateForm(NewPasswordForm):
    new_field = "password"

    login_id = _login_id_field(
        autocomplete="username",
        help_text=_(
            "4 to 32 half-width lower-case letters, digits, '.', '_' or '-'. Only you use it."
        ),
    )
    password = _password_field(_("Password"), "new-password")
    confirm = _password_field(_("Password (again)"), "new-password")


class ConfirmForm(forms.Form):
    """The password again before a sensitive action, and the second factor's code if any."""

    password = _password_field(_("Password"), "current-password")
    code = forms.CharField(
        label=_("Code from your authenticator app or a recovery code"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}
        ),
        error_messages={"max_length": _too_long()},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)
