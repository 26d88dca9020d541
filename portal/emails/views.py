from flask import render_template, request

from portal.emails import bp
from portal.extensions import db
from portal.models import OutboxEmail
from portal.permissions import staff_required


@bp.get("")
@staff_required
def log():
    """Every email the portal queued, newest first, with its delivery state."""
    page = db.paginate(
        db.select(OutboxEmail).order_by(OutboxEmail.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=50,
        error_out=False,
    )
    return render_template("emails/log.html", page=page)


@bp.get("/<int:email_id>")
@staff_required
def read(email_id: int):
    """One email as it was (or will be) sent."""
    return render_template("emails/read.html", email=db.get_or_404(OutboxEmail, email_id))
