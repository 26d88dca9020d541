"""Survey results for staff, and the "Survey answers" card of the staff partner
page."""

from __future__ import annotations

from babel import numbers
from flask import current_app, request, url_for
from flask_login import current_user, login_required

from portal.core.access import may_manage_surveys, may_read_survey_results, require
from portal.core.clock import local_today
from portal.core.htmx import push_url, render
from portal.core.i18n import current_language
from portal.core.periods import fiscal_start, recent_quarters
from portal.surveys import bp
from portal.surveys.by_partner import PartnerAnswers, of_partner
from portal.surveys.definitions import family_choices
from portal.surveys.models import RATINGS
from portal.surveys.results import NOT_ENOUGH, ResultFilters, settle
from portal.surveys.results import results as figures


@bp.get("/surveys/results")
@login_required
def results():
    """Invited, answered, and each question's figures, for one survey and
    optionally one partner, one cycle or one quarter; the URL holds the filters."""
    require(may_read_survey_results(current_user))
    f = ResultFilters.from_args(request.args)
    choices = family_choices()
    partner, cycle = settle(f, choices)
    response = render(
        "surveys/results.html",
        block="results",
        f=f,
        result=figures(f) if f.family_id else None,
        choices=choices,
        quarters=recent_quarters(local_today(), fiscal_start(), count=8),
        partner=partner,
        cycle=cycle,
        ratings=RATINGS,
        not_enough=NOT_ENOUGH,
        may_manage=may_manage_surveys(current_user),
    )
    return push_url(response, url_for(".results", **f.args()))


@bp.app_template_global()
def survey_answers_of_partner(partner_id: int) -> PartnerAnswers:
    """The partner page's "Survey answers" card (five queries)."""
    return of_partner(partner_id)


@bp.app_template_global()
def survey_minimum() -> int:
    return current_app.config["SURVEY_MIN_ANONYMOUS_ANSWERS"]


@bp.app_template_filter("one_decimal")
def one_decimal(value: float) -> str:
    """A mean rating as the results write it: "4.0" ("4,0" in French)."""
    return numbers.format_decimal(value, format="0.0", locale=current_language())
