"""Progress reports: staff compose, preview and send them and see who got
which; partners read theirs in the portal and as PDF."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, flash, redirect, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from portal.core import periods
from portal.core.access import (
    admin_required,
    may_change_records,
    report_or_404,
    require,
    staff_required,
)
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.forms import attach_error
from portal.core.htmx import render
from portal.core.i18n import format_day, format_percent
from portal.core.inputs import identifier
from portal.core.paging import page_number
from portal.models import Partner
from portal.reports import bp, reading
from portal.reports import sending as service
from portal.reports.content import labels, sender_line, stage_text
from portal.reports.forms import ReportForm, choices
from portal.reports.pdf import report_pdf

SKIPPED_SHOWN = 20


def _choices(form: ReportForm, today: date) -> ReportForm:
    """Fill the selects: the periods on offer and the partners (one query)."""
    form.period.choices = choices((p.key, p.shown) for p in periods.period_choices(today))
    partners = db.session.execute(
        db.select(Partner.id, Partner.name)
        .where(Partner.status != "merged", Partner.merged_into_id.is_(None))
        .order_by(Partner.name)
    ).all()
    form.partner.choices = choices(
        [("", gettext("Choose a partner…"))] + [(str(i), n) for i, n in partners]
    )
    return form


def _compose(form: ReportForm, today: date, status: int = 200, already=None):
    return render(
        "reports/new.html",
        status=status,
        form=form,
        already=already or [],
        may_send=may_change_records(current_user),
        preview=_preview(form, None, today) if status == 200 else None,
    )


def _preview(form: ReportForm, partner_id: int | None, today: date) -> dict:
    """What the preview fragment shows: the email, or why there is none."""
    try:
        result = service.preview(current_user, form.report_request(), partner_id, today)
    except DomainError as error:
        return {"error": error.message}
    return {"result": result}


@bp.get("/reports")
@staff_required
def index():
    """Which partners got which period's report, and when."""
    period = request.args.get("period", "").strip()[:10]
    page = db.paginate(
        reading.sent_reports(period),
        page=request.args.get("page", 1, type=page_number),
        per_page=100,
        error_out=False,
    )
    return render("reports/index.html", page=page, period=period, periods=reading.sent_periods())


@bp.get("/reports/new")
@staff_required
def new():
    """The compose form with a preview (managers may look; administrators send)."""
    today = local_today()
    form = _choices(ReportForm(formdata=None), today)
    form.period.data = periods.period_choices(today)[0].key
    form.position.data = current_app.config["REPORT_SENDER_POSITION"]
    return _compose(form, today)


@bp.post("/reports/new", endpoint="send")
@admin_required
def send():
    """Queue the report for every recipient; a repeat needs "Send again"."""
    today = local_today()
    form = _choices(ReportForm(), today)
    already = []
    if form.validate_on_submit():
        try:
            result = service.send(
                current_user, form.report_request(), today, confirm_resend=form.confirm.data
            )
        except service.ResendNeedsConfirmation as error:
            already = error.plan.already
            attach_error(form, error)
        except DomainError as error:
            attach_error(form, error)
        else:
            _flash_sent(result)
            return redirect(url_for(".index", period=result.period.key))
    return _compose(form, today, status=422, already=already)


def _flash_sent(result: service.SendResult) -> None:
    count = len(result.reports)
    flash(
        ngettext(
            "The %(period)s report is queued for %(num)d partner.",
            "The %(period)s report is queued for %(num)d partners.",
            count,
            period=result.period.key,
        ),
        "success",
    )
    if result.skipped:
        shown = "; ".join(f"{p.name} ({why})" for p, why in result.skipped[:SKIPPED_SHOWN])
        more = len(result.skipped) - SKIPPED_SHOWN
        if more > 0:
            message = ngettext(
                "Skipped %(skipped)d: %(shown)s; and %(num)d more",
                "Skipped %(skipped)d: %(shown)s; and %(num)d more",
                more,
                skipped=len(result.skipped),
                shown=shown,
            )
        else:
            message = gettext(
                "Skipped %(skipped)d: %(shown)s", skipped=len(result.skipped), shown=shown
            )
        flash(message, "warning")


@bp.get("/reports/preview")
@staff_required
def preview():
    """The exact email one recipient will get (HTMX fragment, or a page)."""
    today = local_today()
    form = _choices(ReportForm(formdata=request.args, meta={"csrf": False}), today)
    form.validate()
    if not form.period.data:
        form.period.data = periods.period_choices(today)[0].key
    if form.errors:
        shown = {"error": " ".join(e for errors in form.errors.values() for e in errors)}
    else:
        shown = _preview(form, request.args.get("partner_id", type=identifier), today)
    return render("reports/preview.html", block="preview", form=form, preview=shown)


# --- the partner's side ------------------------------------------------------


def _report_or_404():
    return report_or_404(current_user, request.args.get("report", type=identifier))


@bp.get("/organisation/reports")
@login_required
def mine():
    """The partner's reports, newest first; `?report=<id>` shows one."""
    if "report" in request.args:
        report = _report_or_404()
        return render(
            "reports/show.html",
            report=report,
            content=report.content,
            words=labels(report.language),
            stage=stage_text(report.content, report.language),
            sender=sender_line(report.content, report.language),
            day=lambda iso: format_day(date.fromisoformat(iso), report.language),
            percent=lambda n: format_percent(n, report.language),
        )
    if current_user.is_staff:
        return redirect(url_for(".index"))
    require(current_user.partner is not None, hidden=True)
    return render(
        "reports/mine.html",
        partner=current_user.partner,
        reports=reading.reports_of_partner(current_user.partner_id),
    )


@bp.get("/organisation/reports/pdf")
@login_required
def pdf():
    """One report as a PDF, in its language."""
    if "report" not in request.args:
        return redirect(url_for(".mine"))
    report = _report_or_404()
    response = Response(report_pdf(report), mimetype="application/pdf")
    filename = f"progress-report-{report.period}-{report.id}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
