"""Scheduling a check-in, recording what came out of it, cancelling one."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, Optional

from portal.checkins.days import WEEKEND_CHOICES, weekend_days
from portal.checkins.meetings import (
    DEFAULT_MEETINGS,
    FOLLOW_UP_OWNERS,
    MAX_MEETINGS,
    REPEAT_CHOICES,
    CheckInPlan,
    FollowUpDraft,
)
from portal.core.forms import DayField, PortalForm


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class CheckInForm(PortalForm):
    starts_on = DayField(
        lazy_gettext("Date"),
        validators=[InputRequired(lazy_gettext("Enter the date of the meeting."))],
    )
    start_time = TimeField(
        lazy_gettext("Starts at"), validators=[InputRequired(lazy_gettext("Enter the start time."))]
    )
    end_time = TimeField(
        lazy_gettext("Ends at"), validators=[InputRequired(lazy_gettext("Enter the end time."))]
    )
    location = StringField(
        lazy_gettext("Place or call link"),
        description=lazy_gettext("An address, a room, or the link to the video call."),
        validators=[
            Length(
                max=300,
                message=lazy_gettext("Keep the place or link under %(max)d characters.", max=300),
            )
        ],
    )
    agenda = TextAreaField(lazy_gettext("Agenda"), validators=[Optional(), Length(max=4000)])
    repeat = RadioField(lazy_gettext("Repeat"), choices=_choices(REPEAT_CHOICES), default="once")
    # Set when the call is a coaching call offered for this KPI (kpis.definitions).
    kpi = HiddenField()
    meetings = IntegerField(
        lazy_gettext("Number of meetings"),
        default=DEFAULT_MEETINGS,
        description=lazy_gettext("For a repeating series: up to %(max)d.", max=MAX_MEETINGS),
        validators=[Optional()],
    )

    # Shown once the service found weekend days in the series (WeekendMeetings):
    # what to do with them, and which days the choice was made for.
    weekend = RadioField(
        lazy_gettext("Meetings on a Saturday or Sunday"),
        choices=_choices(WEEKEND_CHOICES),
        validate_choice=False,
        validators=[Optional()],
    )
    weekend_days = HiddenField()

    def plan(self) -> CheckInPlan:
        # The duration may come out negative: the service says "ends before it starts".
        start = datetime.combine(self.starts_on.data, self.start_time.data)
        end = datetime.combine(self.starts_on.data, self.end_time.data)
        plan = self._plan(start, end)
        # The choice counts for the weekend days it was made for: change the date
        # or the series and the new weekend days are shown (and asked about) again.
        if self.weekend.data and self.weekend_days.data == shown_days(weekend_days(plan)):
            plan.weekend = self.weekend.data
        return plan

    def _plan(self, start: datetime, end: datetime) -> CheckInPlan:
        return CheckInPlan(
            starts_on=self.starts_on.data,
            start_time=self.start_time.data,
            duration_minutes=int((end - start).total_seconds() // 60),
            location=self.location.data or "",
            agenda=self.agenda.data or "",
            repeat=self.repeat.data,
            meetings=DEFAULT_MEETINGS if self.meetings.data is None else self.meetings.data,
            kpi=self.kpi.data or None,
        )


def shown_days(days) -> str:
    """The weekend days a warning listed, as the form carries them back."""
    return " ".join(day.isoformat() for day in days)


class FollowUpRow(Form):
    description = StringField(lazy_gettext("Action"), validators=[Optional(), Length(max=1000)])
    owner = SelectField(
        lazy_gettext("Owner"), choices=_choices(FOLLOW_UP_OWNERS), default="partner"
    )
    due_on = DayField(lazy_gettext("Due"), validators=[Optional()])


class RecordForm(PortalForm):
    notes = TextAreaField(lazy_gettext("Notes"), validators=[Optional(), Length(max=20000)])
    follow_ups = FieldList(FormField(FollowUpRow), min_entries=3, max_entries=12)

    def drafts(self) -> list[FollowUpDraft]:
        return [
            FollowUpDraft(
                description=row.form.description.data or "",
                owner=row.form.owner.data,
                due_on=row.form.due_on.data,
            )
            for row in self.follow_ups
        ]


class CancelForm(PortalForm):
    reason = StringField(
        lazy_gettext("Reason (optional)"), validators=[Optional(), Length(max=500)]
    )
