"""Progress reports: staff send a period's report to a set of partners; the
scheduler sends monthly and quarterly reporters theirs when one is due.

Everything is checked before anything is queued: a partner nobody can receive
mail for, or whose language the portal cannot write, is listed as skipped; the
rest are queued and recorded in one transaction. Sending a period to a partner
that already got it needs an explicit confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import exists, func

from portal.core import periods
from portal.core.access import may_change_records, require
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.i18n import checked_language
from portal.core.periods import Period, fiscal_start
from portal.mail.email_templates import RenderedEmail
from portal.mail.queue import queue_email
from portal.mail.queue import render as render_as_sent
from portal.models import AuditEvent, Partner, ProgressReport, User
from portal.reports.audience import (
    MAX_INTRO,
    MAX_POSITION,
    ReportRequest,
    audience_partners,
    audience_query,
)
from portal.reports.content import contents, merge_fields, report_recipients


@dataclass
class Draft:
    """One partner's report, ready to queue."""

    partner: Partner
    recipients: list[str]
    language: str
    content: dict
    sent_before: int = 0  # how many times this period already went to this partner


@dataclass
class Plan:
    period: Period
    drafts: list[Draft]
    skipped: list[tuple[Partner, str]]  # (partner, why)
    already: list[tuple[Partner, datetime]]  # got this period before (last time)


@dataclass
class SendResult:
    period: Period
    reports: list[ProgressReport]
    skipped: list[tuple[Partner, str]]


class ResendNeedsConfirmation(DomainError):
    """Some partners already got this period's report: ask before sending again."""

    def __init__(self, plan: Plan):
        names = ", ".join(p.name for p, _ in plan.already[:10])
        more = len(plan.already) - 10
        if more > 0:
            message = ngettext(
                "%(period)s was already sent to %(names)s and %(num)d more."
                " Tick “Send again” to send it to them once more.",
                "%(period)s was already sent to %(names)s and %(num)d more."
                " Tick “Send again” to send it to them once more.",
                more,
                period=plan.period.key,
                names=names,
            )
        else:
            message = gettext(
                "%(period)s was already sent to %(names)s."
                " Tick “Send again” to send it to them once more.",
                period=plan.period.key,
                names=names,
            )
        super().__init__(message, field="confirm")
        self.plan = plan


# --- what ---------------------------------------------------------------------


def _check_text(request: ReportRequest) -> None:
    if len(request.intro or "") > MAX_INTRO:
        raise DomainError(
            gettext("Keep the introduction under %(num)d characters.", num=MAX_INTRO),
            field="intro",
        )
    if len(request.position or "") > MAX_POSITION:
        raise DomainError(
            gettext("Keep the position under %(num)d characters.", num=MAX_POSITION),
            field="position",
        )


def _sent_before(partner_ids: list[int], period: Period) -> dict[int, tuple[int, datetime]]:
    """partner id -> (how many times, when last) this period's report went to it."""
    if not partner_ids:
        return {}
    rows = db.session.execute(
        db.select(
            ProgressReport.partner_id,
            func.count(ProgressReport.id),
            func.max(ProgressReport.created_at),
        )
        .where(ProgressReport.period == period.key, ProgressReport.partner_id.in_(partner_ids))
        .group_by(ProgressReport.partner_id)
    ).all()
    return {pid: (count, last) for pid, count, last in rows}


def plan(
    partners: list[Partner],
    period: Period,
    today: date,
    *,
    sender_name: str,
    sender_position: str,
    intro: str,
) -> Plan:
    """Check every partner and build every report, queueing nothing."""
    ids = [p.id for p in partners]
    recipients = report_recipients(ids)
    before = _sent_before(ids, period)
    built = contents(
        partners,
        period,
        today,
        sender_name=sender_name,
        sender_position=sender_position,
        intro=intro,
        recipients=recipients,
    )
    result = Plan(period, [], [], [])
    for partner in partners:
        try:
            language = checked_language(partner.language)
        except DomainError:
            result.skipped.append(
                (
                    partner,
                    gettext(
                        "its reporting language %(language)s is not English or French",
                        language=repr(partner.language),
                    ),
                )
            )
            continue
        if not recipients.get(partner.id):
            result.skipped.append((partner, gettext("no active user with an email address")))
            continue
        count, last = before.get(partner.id, (0, None))
        if count:
            result.already.append((partner, last))
        emails = [user.email for user in recipients[partner.id]]
        result.drafts.append(Draft(partner, emails, language, built[partner.id], count))
    return result


def render(draft: Draft) -> RenderedEmail:
    """The email exactly as this partner will get it, in its language."""
    return render_as_sent("report", merge_fields(draft.content, draft.language), draft.language)


def _sender(actor: User | None, position: str) -> tuple[str, str]:
    """(name, position) under the report. The scheduler's reports are signed by
    REPORT_SENDER_NAME with REPORT_SENDER_POSITION, or, with no name configured,
    by the programme's team (an empty name: see content.sender_name) with no
    position, never a position without a name."""
    config = current_app.config
    if actor is None:
        name = config["REPORT_SENDER_NAME"].strip()
        return name, config["REPORT_SENDER_POSITION"].strip() if name else ""
    return actor.name, (position or "").strip() or config["REPORT_SENDER_POSITION"].strip()


def prepare(actor: User | None, request: ReportRequest, today: date) -> Plan:
    """Validate a staff request and plan it (used by preview and send)."""
    period = periods.reportable(request.period, today, fiscal_start())
    _check_text(request)
    partners = audience_partners(request.audience)
    name, position = _sender(actor, request.position)
    return plan(
        partners,
        period,
        today,
        sender_name=name,
        sender_position=position,
        intro=(request.intro or "").strip(),
    )


def report_fields(actor: User | None, partner: Partner, today: date, language: str) -> dict:
    """The report's merge fields for `partner` this quarter as `actor` would send
    it, built as a send builds them (the email-template editor previews these)."""
    name, position = _sender(actor, "")
    period = periods.quarter_of(today, fiscal_start())
    built = contents([partner], period, today, sender_name=name, sender_position=position, intro="")
    return merge_fields(built[partner.id], language)


# --- sending ------------------------------------------------------------------


def _queue(actor: User | None, drafts: list[Draft], period: Period) -> list[ProgressReport]:
    """Queue each draft's email and keep what it said. Callers commit."""
    reports = []
    # Without autoflush the outbox's idempotency look-up per email does not write
    # the emails one at a time: they are inserted together below.
    with db.session.no_autoflush:
        for draft in drafts:
            report = _queue_one(actor, draft, period)
            if report is not None:
                reports.append(report)
    db.session.flush()
    # The events audit.record() would write, added after one flush for the whole
    # batch (it flushes per event: a thousand round trips for a thousand partners).
    db.session.add_all(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action="report_sent",
            object_type="ProgressReport",
            object_id=report.id,
            summary=report.subject[:300],
            partner_id=report.partner_id,
            changes={"period": [None, period.key], "to": [None, report.email.recipients]},
        )
        for report in reports
    )
    return reports


def _queue_one(actor: User | None, draft: Draft, period: Period) -> ProgressReport | None:
    fields = merge_fields(draft.content, draft.language)
    # n counts this partner's sends of this period: a confirmed resend is a new email.
    n = draft.sent_before + 1
    email = queue_email(
        draft.recipients,
        "report",
        fields,
        language=draft.language,
        idempotency_key=f"report:{draft.partner.id}:{period.key}:{n}",
    )
    if email is None:
        return None  # queued already (a scheduler run twice)
    report = ProgressReport(
        partner_id=draft.partner.id,
        period=period.key,
        period_start=period.start,
        period_end=period.end,
        language=draft.language,
        intro=draft.content["intro"],
        subject=email.subject,
        content=draft.content,
        body_text=email.body_text,
        body_html=email.body_html,
        sent_by_id=actor.id if actor else None,
        email=email,
    )
    db.session.add(report)
    return report


def send(
    actor: User, request: ReportRequest, today: date, *, confirm_resend: bool = False
) -> SendResult:
    """Queue the period's report for every partner of the request that can get it."""
    require(may_change_records(actor))
    result = prepare(actor, request, today)
    if not result.drafts:
        reasons = "; ".join(f"{p.name}: {why}" for p, why in result.skipped[:10])
        raise DomainError(
            gettext("Nobody to send to (%(reasons)s).", reasons=reasons), field="recipients"
        )
    if result.already and not confirm_resend:
        raise ResendNeedsConfirmation(result)
    reports = _queue(actor, result.drafts, result.period)
    db.session.commit()
    return SendResult(result.period, reports, result.skipped)


@dataclass
class Preview:
    partner: Partner
    period: Period
    email: RenderedEmail | None
    skipped: str | None  # why this partner would not get it
    in_audience: bool
    sent_before: int = 0


def preview(actor: User, request: ReportRequest, partner_id: int | None, today: date) -> Preview:
    """The email one partner of the request would get (the first one by default)."""
    period = periods.reportable(request.period, today, fiscal_start())
    _check_text(request)
    query = audience_query(request.audience)
    if partner_id is None and request.audience.mode == "one":
        partner_id = request.audience.partner_id
    chosen = query.where(Partner.id == partner_id) if partner_id else query
    partner = db.session.scalar(chosen.order_by(Partner.name).limit(1))
    in_audience = partner is not None
    if partner is None and partner_id:
        partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise DomainError(
            gettext("No partner matches these recipients: choose others."), field="recipients"
        )
    name, position = _sender(actor, request.position)
    result = plan(
        [partner],
        period,
        today,
        sender_name=name,
        sender_position=position,
        intro=(request.intro or "").strip(),
    )
    if result.skipped:
        return Preview(partner, period, None, result.skipped[0][1], in_audience)
    draft = result.drafts[0]
    return Preview(partner, period, render(draft), None, in_audience, draft.sent_before)


def due_period(frequency: str, today: date) -> Period | None:
    """The period whose report is due `today` for a reporter of `frequency`: the
    previous month (quarter) during the first REPORT_DUE_DAYS of a month (quarter)."""
    window = current_app.config["REPORT_DUE_DAYS"]
    if frequency == "monthly":
        current = periods.month_of(today)
    elif frequency == "quarterly":
        current = periods.quarter_of(today, fiscal_start())
    else:
        return None  # annual reporters are sent theirs by staff
    if (today - current.start).days >= window:
        return None
    return current.previous(fiscal_start())


def send_due_reports(today: date) -> int:
    """The scheduler's run: queue the due report of every active monthly and
    quarterly reporter that has not had it yet. Running it twice queues nothing
    twice. Returns how many were queued."""
    queued = 0
    for frequency in ("monthly", "quarterly"):
        period = due_period(frequency, today)
        if period is None:
            continue
        partners = db.session.scalars(
            db.select(Partner)
            .where(
                Partner.status == "active",
                Partner.reporting_frequency == frequency,
                ~exists().where(
                    ProgressReport.partner_id == Partner.id, ProgressReport.period == period.key
                ),
            )
            .order_by(Partner.id)
        ).all()
        if not partners:
            continue
        name, position = _sender(None, "")
        result = plan(
            list(partners), period, today, sender_name=name, sender_position=position, intro=""
        )
        for partner, why in result.skipped:
            current_app.logger.info("No %s report for %s: %s", period.key, partner.name, why)
        queued += len(_queue(None, result.drafts, period))
    db.session.commit()
    return queued
