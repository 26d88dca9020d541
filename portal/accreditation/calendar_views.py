"""The deadlines page and the iCalendar feed behind a secret link."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from portal.accreditation import calendar_bp as bp
from portal.accreditation.calendar import (
    FEED_CONTENT_TYPE,
    deadlines,
    feed,
    reset_token,
    user_for_token,
)
from portal.core.htmx import render
from portal.mail.links import external_url


@bp.get("")
@login_required
def page():
    """Every deadline the user may see, and the link to subscribe to them."""
    link = (
        external_url("calendar.ics", feed_token=current_user.calendar_token)
        if current_user.calendar_token
        else None
    )
    return render("accreditation/calendar.html", deadlines=deadlines(current_user), feed_link=link)


@bp.post("/link")
@login_required
def reset():
    """Make a new subscription link (the old one stops working)."""
    had = current_user.calendar_token is not None
    reset_token(current_user)
    flash(
        gettext("A new calendar link is ready; the old one no longer works.")
        if had
        else gettext("Your calendar link is ready."),
        "success",
    )
    return redirect(url_for(".page"))


@bp.get("/<feed_token>.ics")
def ics(feed_token: str):
    """The feed itself: no session, the secret in the URL is the permission."""
    user = user_for_token(feed_token)
    if user is None:
        abort(404)
    body = feed(
        user,
        current_app.config["PROGRAMME_NAME"],
        lambda d: external_url("accreditation.show", accreditation_id=d.accreditation_id),
    )
    return Response(
        body,
        content_type=FEED_CONTENT_TYPE,
        headers={"Cache-Control": "private, max-age=300"},
    )
