from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from sqlalchemy import and_, case, func

from portal.core.access import may_retry_mail, require, staff_required
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.htmx import safe_next
from portal.core.paging import page_number
from portal.mail import log_bp as bp
from portal.mail.links import without_secrets
from portal.mail.retry import retry_all_failed, retry_now
from portal.models import OutboxEmail

# The states staff see: "retrying" is pending mail that has failed before and
# waits out its back-off.
STATES = {
    "pending": lazy_gettext("Pending"),
    "retrying": lazy_gettext("Retrying"),
    "sending": lazy_gettext("Sending"),
    "sent": lazy_gettext("Sent"),
    "failed": lazy_gettext("Failed"),
}


def _state():
    """The state of an email as a SQL expression (see STATES)."""
    return case(
        (and_(OutboxEmail.status == "pending", OutboxEmail.attempts > 0), "retrying"),
        else_=OutboxEmail.status,
    )


@bp.get("")
@staff_required
def log():
    """Every email the portal queued, newest first, with its delivery state."""
    state = request.args.get("status", "")
    query = db.select(OutboxEmail).order_by(OutboxEmail.id.desc())
    if state in STATES:
        query = query.where(_state() == state)
    page = db.paginate(
        query, page=request.args.get("page", 1, type=page_number), per_page=50, error_out=False
    )
    # Grouped by the label: the CASE carries bound values, so PostgreSQL would
    # not see two copies of it as the same expression.
    label = _state().label("state")
    counts = dict(db.session.execute(db.select(label, func.count()).group_by(label)).all())
    return render_template(
        "mail/log.html",
        page=page,
        states=STATES,
        state=state if state in STATES else "",
        counts=counts,
        may_retry=may_retry_mail(current_user),
    )


bp.add_app_template_filter(without_secrets)


@bp.get("/<int:email_id>")
@staff_required
def read(email_id: int):
    """One email as it was (or will be) sent."""
    return render_template(
        "mail/read.html", email=db.get_or_404(OutboxEmail, email_id), states=STATES
    )


@bp.post("/<int:email_id>/retry")
@staff_required
def retry(email_id: int):
    """Send a failed email again on the next delivery run, with its attempts back."""
    require(may_retry_mail(current_user))
    email = db.get_or_404(OutboxEmail, email_id)
    back = safe_next(request.form.get("next"), url_for(".read", email_id=email.id))
    try:
        retry_now(current_user, email)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(back)
    flash(
        gettext(
            "The email to %(recipients)s goes out on the next delivery run.",
            recipients=", ".join(email.recipient_list),
        ),
        "success",
    )
    return redirect(back)


@bp.post("/retry-failed")
@staff_required
def retry_failed():
    """Every failed email out again on the next delivery run, attempts back."""
    require(may_retry_mail(current_user))
    count = retry_all_failed(current_user)
    if count:
        flash(
            gettext(
                "%(count)s failed email(s) go out again on the next delivery run.", count=count
            ),
            "success",
        )
    else:
        flash(gettext("No failed email to retry."), "info")
    return redirect(url_for(".log"))
