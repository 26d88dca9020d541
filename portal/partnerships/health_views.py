"""Partnership health: the list that finds the weakest partnerships first
(staff), the card on the staff partner page, and the partner's own page."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.core.access import own_partner, staff_required
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.htmx import render
from portal.core.paging import Window
from portal.models import Partner
from portal.partnerships import bp
from portal.partnerships.health import RATINGS, Health, health_of, rules, weakest_first

PER_PAGE = 50
CURRENT = ("active", "on_hold")


@bp.get("/partnerships/health")
@staff_required
def health():
    """Every current partner, the weakest partnerships first."""
    partners = db.session.scalars(
        select(Partner).where(Partner.status.in_(CURRENT)).order_by(Partner.name)
    ).all()
    ranked = weakest_first(health_of(current_user, list(partners)))
    window = Window(len(ranked), PER_PAGE, request.args.get("page"))
    return render(
        "partnerships/health.html",
        rows=ranked[window.offset : window.offset + PER_PAGE],
        window=window,
        today=local_today(),
    )


@bp.get("/organisation/partnership")
@login_required
def mine():
    """The partner's own view of the partnership: both sides' records."""
    if current_user.is_staff:  # staff read every partnership's health from the list
        return redirect(url_for(".health"))
    partner = own_partner(current_user)
    return render(
        "partnerships/mine.html",
        partner=partner,
        health=health_of(current_user, [partner])[partner.id],
    )


@bp.app_template_global()
def partnership_health(partner: Partner) -> Health:
    """The staff partner page's health card."""
    return health_of(current_user, [partner])[partner.id]


@bp.app_context_processor
def health_words() -> dict:
    return {"health_ratings": RATINGS, "health_rules": rules()}
