"""The email template editor's form."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.core.forms import PortalForm
from portal.mail.merge_fields import BODY_MAX, SUBJECT_MAX


class EmailTemplateForm(PortalForm):
    subject = StringField(
        "Subject", validators=[InputRequired("Write a subject."), Length(max=SUBJECT_MAX)]
    )
    body = TextAreaField(
        "Body",
        validators=[InputRequired("Write the email."), Length(max=BODY_MAX)],
        description="Plain text. Blank lines make paragraphs, lines starting with “- ” a "
        "list, and links become clickable in the HTML version.",
    )
    note = StringField(
        "What changed",
        validators=[Length(max=500)],
        description="For the version history (optional).",
    )
