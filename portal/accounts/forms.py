from flask_babel import lazy_gettext
from wtforms import EmailField, PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.accounts.passwords import MIN_PASSWORD_LENGTH
from portal.core.forms import PortalForm
from portal.core.i18n import INTERFACE_LANGUAGES


class LoginForm(PortalForm):
    email = EmailField(lazy_gettext("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired()])


class ForgotPasswordForm(PortalForm):
    email = EmailField(
        lazy_gettext("Email"),
        validators=[
            DataRequired(lazy_gettext("Enter your email.")),
            Email(lazy_gettext("Enter a valid email address.")),
        ],
    )


class SetPasswordForm(PortalForm):
    password = PasswordField(
        lazy_gettext("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=lazy_gettext("At least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        lazy_gettext("Repeat the password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=lazy_gettext("The passwords do not match.")),
        ],
    )


class EmptyForm(PortalForm):
    """A one-button action (log out, approve): just the CSRF token."""


class LanguageForm(PortalForm):
    """The header's switcher: one button a language."""

    language = RadioField(
        lazy_gettext("Language"),
        choices=[SelectChoice(code, name) for code, name in INTERFACE_LANGUAGES.items()],
        validate_choice=True,
    )
