"""Builders for agreement terms in tests: a standard template, an agreement with
an obligation of each side."""

from __future__ import annotations

from datetime import date

from portal.core.extensions import db
from portal.models import ObligationTemplate, ObligationTemplateItem, Partner, User
from portal.obligations.terms import AgreementDraft, ObligationDraft, add_obligation, open_agreement


def standard_template(name: str = "Standard partnership terms") -> ObligationTemplate:
    template = ObligationTemplate(name=name)
    template.items = [
        ObligationTemplateItem(
            side="programme",
            description="Reviews each submission within 5 working days",
            recurrence="quarterly",
            first_due_months=3,
            observed_by="automatic",
            rule="reviews_within",
            rule_days=5,
        ),
        ObligationTemplateItem(
            side="partner",
            description="Submits its quarterly activity report",
            recurrence="quarterly",
            first_due_months=3,
            observed_by="evidence",
        ),
        ObligationTemplateItem(
            side="programme",
            description="Holds a quarterly check-in with the partner",
            recurrence="quarterly",
            first_due_months=3,
            observed_by="confirmation",
        ),
    ]
    db.session.add(template)
    db.session.commit()
    return template


def agreement_with(
    admin: User,
    partner: Partner,
    starts_on: date,
    *drafts: ObligationDraft,
    title: str = "Partnership agreement",
    ends_on: date | None = None,
):
    agreement = open_agreement(admin, partner, AgreementDraft(title, starts_on, ends_on))
    return agreement, [add_obligation(admin, agreement, d) for d in drafts]


def evidence_draft(first_due_on: date, recurrence: str = "monthly", **more) -> ObligationDraft:
    values = {
        "side": "partner",
        "description": "Sends its monthly activity report",
        "recurrence": recurrence,
        "first_due_on": first_due_on,
        "observed_by": "evidence",
    }
    return ObligationDraft(**(values | more))
