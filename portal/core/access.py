"""The one place that decides who may see or do what.

Partner users are scoped to their own partner in the query itself; an object
of another partner is answered with 404, so its existence is not revealed.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import true

from portal.core.extensions import db
from portal.models import Accreditation, Partner, Submission, User


def staff_required(view):
    """Administrators and programme managers only."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    """Administrators only: the people who change partner records."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def may_see_partner(user: User, partner_id: int) -> bool:
    return user.is_staff or (user.partner_id is not None and user.partner_id == partner_id)


def may_see_accreditation(user: User):
    """A condition on Accreditation: those `user` may see (staff: all)."""
    return true() if user.is_staff else Accreditation.partner_id == user.partner_id


def accreditations_of(user: User):
    """A select of the accreditations `user` may see."""
    return db.select(Accreditation).where(may_see_accreditation(user))


def accreditation_or_404(user: User, accreditation_id: int) -> Accreditation:
    accreditation = db.session.scalar(
        accreditations_of(user).where(Accreditation.id == accreditation_id)
    )
    if accreditation is None:
        abort(404)
    return accreditation


def submission_or_404(user: User, submission_id: int) -> Submission:
    query = db.select(Submission).join(Accreditation).where(Submission.id == submission_id)
    if not user.is_staff:
        query = query.where(Accreditation.partner_id == user.partner_id)
    submission = db.session.scalar(query)
    if submission is None:
        abort(404)
    return submission


def partner_or_404(user: User, partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None or not may_see_partner(user, partner_id):
        abort(404)
    return partner
