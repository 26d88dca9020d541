"""Check-ins: staff schedule them from the partner page, both sides read them,
staff record notes and follow-ups afterwards or cancel one meeting."""

from __future__ import annotations

from datetime import time, timedelta

from flask import Response, current_app, flash, redirect, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from portal.checkins import bp, invitations
from portal.checkins import meetings as service
from portal.checkins.days import WeekendMeetings
from portal.checkins.forms import CancelForm, CheckInForm, RecordForm, shown_days
from portal.core.access import checkin_or_404, partner_or_404, require, staff_required
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import go_to, render
from portal.core.inputs import identifier_or_none
from portal.kpis.definitions import BY_KEY, Kpi
from portal.models import CheckIn, Partner, utcnow


def _checkin(checkin_id: int) -> CheckIn:
    """The meeting, if `current_user` may see it; another partner's answers 404."""
    return checkin_or_404(current_user, checkin_id, *service.meeting_options())


def _partner(partner_id: int) -> Partner:
    partner = partner_or_404(current_user, partner_id)
    require(not partner.merged_into_id, hidden=True)  # merged away: its check-ins moved with it
    return partner


def coaching_agenda(kpi: Kpi) -> str:
    return gettext(
        "Coaching call: %(kpi)s is past the programme's warning threshold. "
        "What gets in the way, and what would help. %(advice)s",
        kpi=str(kpi.title).lower(),
        advice=kpi.advice,
    )


@bp.route("/partners/<int:partner_id>/checkins/new", methods=["GET", "POST"])
@staff_required
def new(partner_id: int):
    """Schedule one check-in or a monthly / two-monthly series (panel or page)."""
    partner = _partner(partner_id)
    if request.method == "GET":
        kpi = BY_KEY.get(request.args.get("kpi", ""))
        form = CheckInForm(
            starts_on=local_today() + timedelta(days=7),
            start_time=time(10, 0),
            end_time=time(11, 0),
            kpi=kpi.key if kpi else "",
            agenda=coaching_agenda(kpi) if kpi else "",
        )
    else:
        form = CheckInForm()
    if form.validate_on_submit():
        try:
            meetings = service.schedule(current_user, partner, form.plan())
        except WeekendMeetings as weekend:
            # Listed next to the choice; the choice is asked for these days afresh.
            form.weekend_days.data = shown_days(weekend.days)
            form.weekend.data = None
            attach_error(form, weekend)
        except DomainError as error:
            attach_error(form, error)
        else:
            count = len(meetings)
            flash(
                ngettext(
                    "A check-in is scheduled; both sides got the invitation by email.",
                    "%(num)d check-ins are scheduled; both sides got the invitation by email.",
                    count,
                ),
                "success",
            )
            return go_to(url_for("partners.show", partner_id=partner.id))
    status = 422 if form.is_submitted() else 200
    return render(
        "checkins/new.html",
        block="panel",
        status=status,
        form=form,
        partner=partner,
        zone=current_app.config["TIMEZONE"],
        coaching=BY_KEY.get(form.kpi.data or ""),
    )


def _show(checkin: CheckIn, status: int = 200, **forms):
    may_record = current_user.is_staff and checkin.cancelled_at is None
    return render(
        "checkins/show.html",
        status=status,
        checkin=checkin,
        series=service.series_of(checkin),
        ends_at=invitations.ends_at(checkin),
        started=checkin.starts_at <= utcnow(),
        record_form=forms.get("record_form") or (RecordForm() if may_record else None),
        cancel_form=forms.get("cancel_form") or (CancelForm() if may_record else None),
        owners=service.FOLLOW_UP_OWNERS,
        zone=current_app.config["TIMEZONE"],
    )


@bp.get("/checkins/<int:checkin_id>")
@login_required
def show(checkin_id: int):
    """One meeting: when, where, agenda, notes, follow-ups and the rest of its series."""
    return _show(_checkin(checkin_id))


@bp.post("/checkins/<int:checkin_id>/notes")
@staff_required
def record(checkin_id: int):
    """Notes and follow-up actions, once the meeting has started."""
    checkin = _checkin(checkin_id)
    form = RecordForm()
    if form.validate_on_submit():
        done = {identifier_or_none(v) for v in request.form.getlist("done")} - {None}
        try:
            service.record(current_user, checkin, form.notes.data or "", form.drafts(), done=done)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("Notes and follow-ups recorded."), "success")
            return redirect(url_for(".show", checkin_id=checkin.id))
    return _show(checkin, 422, record_form=form)


@bp.post("/checkins/<int:checkin_id>/cancel")
@staff_required
def cancel(checkin_id: int):
    """Cancel one meeting of a series; both sides' calendars drop it."""
    checkin = _checkin(checkin_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            service.cancel(current_user, checkin, form.reason.data or "")
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("The check-in is cancelled; both sides were told."), "success")
            return redirect(url_for(".show", checkin_id=checkin.id))
    return _show(checkin, 422, cancel_form=form)


@bp.get("/checkins/<int:checkin_id>/invitation.ics")
@login_required
def invitation(checkin_id: int):
    """The meeting as an .ics file to add to a calendar by hand."""
    checkin = _checkin(checkin_id)
    organizer = current_user if current_user.is_staff else None
    ics = invitations.invitation([checkin], "PUBLISH", organizer=organizer)
    return Response(
        ics.data,
        content_type=ics.content_type,
        headers={"Content-Disposition": f'attachment; filename="checkin-{checkin.id}.ics"'},
    )


# --- what the dashboards include ------------------------------------------------
# Partials are included in pages that already checked who may see the partner;
# each global costs a fixed number of queries whatever the number of meetings.


@bp.app_template_global()
def checkins_dashboard(partner_id: int) -> dict:
    """The partner's next two meetings and the follow-ups it owns (two queries)."""
    return {
        "upcoming": service.upcoming(partner_id, limit=2),
        "follow_ups": service.open_follow_ups(partner_id, owner="partner"),
    }


@bp.app_template_global()
def checkins_of_partner(partner_id: int) -> dict:
    """Upcoming and latest past meetings for the staff partner page (two queries)."""
    return {
        "upcoming": service.upcoming(partner_id, limit=5),
        "past": service.past(partner_id, limit=5),
    }


@bp.app_template_global()
def checkins_next_days(days: int = 14) -> list[CheckIn]:
    """Every partner's meetings in the coming days (one query)."""
    return service.next_days(days)


@bp.app_template_filter()
def call_link(location: str) -> str | None:
    """The location as a link when it is a web address (only http/https: never
    `javascript:`), else None."""
    text = (location or "").strip()
    return text if text.startswith(("https://", "http://")) and " " not in text else None
