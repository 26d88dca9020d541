"""The review analytics page (staff)."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import lazy_gettext
from flask_login import current_user, login_required

from portal.core import periods
from portal.core.access import may_read_review_analytics, require
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.htmx import push_url, render
from portal.core.translated import translated
from portal.review import bp
from portal.review.analytics import options, parse_filters
from portal.review.analytics_partners import NATIONWIDE, NO_DISTRICT, NO_TYPE
from portal.review.analytics_reviews import NO_REASON, NOT_ASSIGNED
from portal.review.analytics_tables import review_analytics
from portal.review.reasons import all_reasons

# The rows' names the analytics make up themselves (English in the exports), as the
# page reads them.
WORDS = {
    NO_TYPE: lazy_gettext("No partnership type recorded"),
    NO_DISTRICT: lazy_gettext("No district recorded"),
    NATIONWIDE: lazy_gettext("Whole country"),
    NO_REASON: lazy_gettext("No reason recorded"),
    NOT_ASSIGNED: lazy_gettext("Not assigned"),
}


@bp.get("/analytics")
@login_required
def analytics():
    """What reviews teach, for a period and a slice of partners; the URL holds the filters."""
    require(may_read_review_analytics(current_user))
    offered = options()
    suggested = periods.recent_quarters(local_today(), periods.fiscal_start())
    page = {"offered": offered, "suggested": suggested, "args": request.args, "words": WORDS}
    try:
        filters = parse_filters(request.args, offered)
    except DomainError as error:
        return render("review/analytics.html", "results", 422, error=error, figures=None, **page)
    figures = review_analytics(filters, offered)
    # The reasons in the reader's language (the exports keep the English labels).
    page["words"] = WORDS | {r.label: translated(r, "label") for r in all_reasons()}
    response = render("review/analytics.html", "results", error=None, figures=figures, **page)
    return push_url(response, url_for(".analytics", **filters.args()))
