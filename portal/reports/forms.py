"""The compose form of a progress report."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from portal.core.forms import PortalForm
from portal.partners.models import PARTNERSHIP_TYPES
from portal.reports.audience import AUDIENCES, MAX_INTRO, MAX_POSITION, Audience, ReportRequest

AUDIENCE_STATUS_LABELS = {
    "active": lazy_gettext("Active"),
    "on_hold": lazy_gettext("On hold"),
    "current": lazy_gettext("Active and on hold"),
}


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class ReportForm(PortalForm):
    # The service says why a period is refused (e.g. a future quarter), not WTForms.
    period = SelectField(lazy_gettext("Period"), validate_choice=False)
    recipients = RadioField(
        lazy_gettext("Recipients"), choices=choices(AUDIENCES.items()), default="all"
    )
    type = SelectField(
        lazy_gettext("Partnership type"),
        choices=choices([("", lazy_gettext("Any type")), *PARTNERSHIP_TYPES.items()]),
        default="",
        validate_choice=False,
    )
    status = SelectField(
        lazy_gettext("Status"), choices=choices(AUDIENCE_STATUS_LABELS.items()), default="active"
    )
    partner = SelectField(
        lazy_gettext("Partner"), choices=[], validate_choice=False, validators=[Optional()]
    )
    intro = TextAreaField(
        lazy_gettext("Introduction (optional)"),
        description=lazy_gettext(
            "Plain text at the top of the email; never read as HTML or template code."
        ),
        validators=[Optional(), Length(max=MAX_INTRO)],
    )
    position = StringField(
        lazy_gettext("Your position"),
        description=lazy_gettext("Shown under your name at the end of the report."),
        validators=[Optional(), Length(max=MAX_POSITION)],
    )
    confirm = BooleanField(
        lazy_gettext("Send again to the partners that already got this period's report")
    )

    def report_request(self) -> ReportRequest:
        partner = self.partner.data
        return ReportRequest(
            period=self.period.data or "",
            audience=Audience(
                mode=self.recipients.data or "all",
                type=self.type.data or "",
                status=self.status.data or "active",
                partner_id=int(partner) if partner and str(partner).isdigit() else None,
            ),
            intro=self.intro.data or "",
            position=self.position.data or "",
        )
