"""The email template editor's form."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.core.forms import PortalForm
from portal.mail.merge_fields import BODY_MAX, SUBJECT_MAX


class EmailTemplateForm(PortalForm):
    subject = StringField(
        lazy_gettext("Subject"),
        validators=[InputRequired(lazy_gettext("Write a subject.")), Length(max=SUBJECT_MAX)],
    )
    body = TextAreaField(
        lazy_gettext("Body"),
        validators=[InputRequired(lazy_gettext("Write the email.")), Length(max=BODY_MAX)],
        description=lazy_gettext(
            "Plain text. Blank lines make paragraphs, lines starting with “- ” a "
            "list, and links become clickable in the HTML version."
        ),
    )
    note = StringField(
        lazy_gettext("What changed"),
        validators=[Length(max=500)],
        description=lazy_gettext("For the version history (optional)."),
    )
