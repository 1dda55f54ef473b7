from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                # Phones must not capitalise or "correct" a username.
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )
    error_messages = {
        "invalid_login": _(
            "The username, mobile number or password is not right. "
            "After several wrong tries the account is locked for a while."
        ),
        "inactive": _("This account has been disabled."),
    }
