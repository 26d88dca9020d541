from flask_babel import lazy_gettext
from wtforms import EmailField, PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.accounts.passwords import MIN_PASSWORD_LENGTH
from portal.core.forms import PortalForm
from portal.core.i18n import INTERFACE_LANGUAGES


class LoginForm(PortalForm):
    email = EmailField("Email", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])


class ForgotPasswordForm(PortalForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email."), Email("Enter a valid email address.")],
    )


class SetPasswordForm(PortalForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
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
