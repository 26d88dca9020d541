"""A scope expansion (the partner-management guide): new coverage and new
data-set assignments from one day, with the reason, in one transaction; the
programme team and finance hear what changed, so finance can check tariffs
in the payment system (the portal computes none). Callers commit."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import gettext, lazy_gettext

from portal.assignments.models import PURPOSES
from portal.assignments.operations import add_assignment, check_new
from portal.core.access import may_change_records, require
from portal.core.errors import DomainError
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import Partner, User
from portal.partners.drafts import CoverageDraft, target_key, target_of
from portal.partners.records import extend_coverage
from portal.partners.status import notify_programme_team


def expand_scope(
    actor: User,
    partner: Partner,
    *,
    areas: list[str],
    data_sets: list[str],
    purpose: str,
    starts_on: date | None,
    reason: str,
) -> list[str]:
    """Add coverage of `areas` (target keys) and assignments of `data_sets`
    from `starts_on`; returns what changed, in words, as the emails list it."""
    require(may_change_records(actor))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            gettext("Say why the scope changes (finance checks the tariffs)."), "reason"
        )
    if len(reason) > 2000:
        raise DomainError(
            gettext("The reason is longer than %(max)d characters.", max=2000), "reason"
        )
    if starts_on is None:
        raise DomainError(gettext("Enter the day the new scope starts."), "starts_on")
    areas, data_sets = list(dict.fromkeys(areas)), list(dict.fromkeys(data_sets))
    if not areas and not data_sets:
        raise DomainError(gettext("Choose at least one area or data set to add."), "areas")
    covered = {target_key(c) for c in partner.coverage if c.current}
    for key in areas:
        target_of(key, "areas")  # an area that exists
        if key in covered:
            raise DomainError(
                gettext("%(partner)s covers this area already.", partner=partner.display_name),
                "areas",
            )
    for ident in data_sets:  # every refusal before anything is written
        check_new(partner, ident, purpose, starts_on, None, field="data_sets")
    summary = extend_coverage(
        actor, partner, [CoverageDraft(target=key, starts_on=starts_on) for key in areas], reason
    )
    for ident in data_sets:
        assignment = add_assignment(
            actor, partner, data_set_id=ident, purpose=purpose, starts_on=starts_on, reason=reason
        )
        summary.append(
            # In English, as the emails it goes into are written (their helper translates).
            f"{PURPOSES[assignment.purpose]} {assignment.data_set.name} from {starts_on:%d %b %Y}."
        )
    notify_programme_team(actor, partner, summary, reason)
    finance = current_app.config["FINANCE_EMAILS"]
    if finance:
        queue_email(
            finance,
            "scope_expanded",
            {
                "partner": partner,
                "actor": actor,
                "summary": summary,
                "reason": reason,
                "link": external_url("partners.show", partner_id=partner.id),
            },
            subject=lazy_gettext(
                "%(partner)s: scope expanded, check the tariffs", partner=partner.display_name
            ),
        )
    return summary
