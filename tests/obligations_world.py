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


# --- the web tests' shared world (tests/web/conftest.py) and its walks ------------------


def walk_terms(admin: User, partner: Partner, focal: User, pdf_bytes: bytes) -> None:
    """An agreement with a monthly report the partner owes (its first occurrence
    observed, with an evidence file) and a check-in the programme owes. Made
    directly, like the world's other rows, so nobody is notified."""
    import io

    from portal.core.clock import local_today
    from portal.core.storage import storage
    from portal.models import Agreement, Obligation, Observation

    today = local_today()
    first_due = date.fromordinal(today.toordinal() - 40)
    agreement = Agreement(
        partner_id=partner.id,
        title=f"{partner.acronym} partnership agreement",
        starts_on=date.fromordinal(today.toordinal() - 70),
        created_by_id=admin.id,
    )
    report = Obligation(
        agreement=agreement,
        side="partner",
        description="Sends its monthly activity report",
        recurrence="monthly",
        first_due_on=first_due,
        observed_by="evidence",
        created_by_id=admin.id,
    )
    checkin = Obligation(
        agreement=agreement,
        side="programme",
        description="Holds a monthly check-in",
        recurrence="monthly",
        first_due_on=first_due,
        observed_by="confirmation",
        created_by_id=admin.id,
    )
    stored = storage().save(io.BytesIO(pdf_bytes), max_bytes=len(pdf_bytes))
    observation = Observation(
        obligation=report,
        due_on=first_due,
        kind="evidence",
        note="First report",
        filename="first-report.pdf",
        storage_key=stored.key,
        content_type="application/pdf",
        size=stored.size,
        sha256=stored.sha256,
        observed_by_id=focal.id,
    )
    db.session.add_all([agreement, report, checkin, observation])
    db.session.flush()


def terms_of(partner_id: int):
    """(agreement, the partner's evidence obligation, its observation) of walk_terms."""
    from portal.models import Agreement, Obligation, Observation

    agreement = db.session.scalar(
        db.select(Agreement).filter_by(partner_id=partner_id).order_by(Agreement.id)
    )
    obligation = db.session.scalar(
        db.select(Obligation)
        .filter_by(agreement_id=agreement.id, observed_by="evidence")
        .order_by(Obligation.id)
    )
    observation = db.session.scalar(
        db.select(Observation).filter_by(obligation_id=obligation.id).order_by(Observation.id)
    )
    return agreement, obligation, observation


def mark_terms(partner_id: int, marker) -> list[str]:
    """The permission walk's markers on a partner's agreement terms."""
    agreement, obligation, observation = terms_of(partner_id)
    agreement.title = marker("agreement-title")
    obligation.description = marker("obligation-text")
    observation.note = marker("observation-note")
    observation.filename = f"{marker('evidence-file')}.pdf"
    db.session.commit()
    return [
        marker(k)
        for k in ("agreement-title", "obligation-text", "observation-note", "evidence-file")
    ]


def next_due_of(partner_id: int) -> str:
    """The walked obligation's second due date (the first is observed already)."""
    from portal.obligations.schedule import nth_due

    _, obligation, _ = terms_of(partner_id)
    return nth_due(obligation.first_due_on, obligation.recurrence, 1).isoformat()
