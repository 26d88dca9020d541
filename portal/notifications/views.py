from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from portal.core.errors import DomainError
from portal.core.htmx import safe_next
from portal.core.inputs import identifier
from portal.core.paging import page_number
from portal.notifications import bell as notifications
from portal.notifications import bp
from portal.notifications.models import KIND_LABELS


@bp.app_template_global()
def unread_notifications() -> int:
    """The bell's count: one query, only on pages that show the bell."""
    if not current_user.is_authenticated:
        return 0
    if "_unread_notifications" not in g:
        g._unread_notifications = notifications.unread_count(current_user)
    return g._unread_notifications


@bp.get("/notifications")
@login_required
def index():
    """The current user's notifications, newest first, 50 a page."""
    return _page()


def _page(status: int = 200, error: str | None = None):
    page = notifications.page_of(current_user, request.args.get("page", 1, type=page_number))
    # "Mark all as read" covers what exists now, not what arrives before it is pressed.
    newest = page.items[0].id if page.page == 1 and page.items else None
    return (
        render_template(
            "notifications/index.html",
            page=page,
            kinds=KIND_LABELS,
            newest_id=newest or notifications.newest_id(current_user),
            error=error,
        ),
        status,
    )


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark one notification read and go to what it is about."""
    notification = notifications.read(current_user, notification_id)
    if notification is None:
        abort(404)  # someone else's, or none
    return redirect(safe_next(notification.link, url_for(".index")))


@bp.post("/notifications/read")
@login_required
def read_all():
    """Mark all of the current user's notifications read."""
    try:
        changed = notifications.read_all(current_user, request.form.get("up_to", type=identifier))
    except DomainError as error:
        return _page(422, error.message)
    if changed:
        flash(gettext("All notifications marked as read."), "success")
    return redirect(url_for(".index"))
