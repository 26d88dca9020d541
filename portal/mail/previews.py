"""The email-template editor's preview on a real partner: the fields each kind
of email would get now, built by the same function its sender uses."""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.invitations import invitation_fields
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.mail.checks import check_template
from portal.mail.email_templates import RenderedEmail, render_source
from portal.mail.links import external_url
from portal.mail.merge_fields import sample_fields
from portal.mail.sandbox import TemplateProblem, problem
from portal.models import Partner, User
from portal.reminders.emails import reminder_fields
from portal.reports import content as report_content
from portal.reports.sending import report_fields


def preview_partners(language: str | None = None) -> list[tuple[int, str, str]]:
    """(id, name, language) of every active partner, for the preview's choice; those
    who read `language` first, so the default preview shows a real reader's email."""

    order = [Partner.name] if language is None else [Partner.language != language, Partner.name]
    return list(
        db.session.execute(
            db.select(Partner.id, Partner.name, Partner.language)
            .where(Partner.status == "active")
            .order_by(*order)
        ).all()
    )


def preview_fields(key: str, partner_id: int | None, actor: User, language: str) -> dict:
    """The fields `key` would get for this partner now (the sample data when no
    partner is chosen), from the function its sender uses. Nothing is issued: an
    invitation's link here is an example, not a working token."""
    partner = db.session.get(Partner, partner_id) if partner_id else None
    if partner is None:
        return sample_fields(key, language)
    today = local_today()
    if key == "report":
        return report_fields(actor, partner, today, language)
    contact = partner.primary_contact
    if key == "reminder":
        accreditation = report_content.current_accreditations([partner.id]).get(partner.id)
        state = (
            report_content.progress_of_many([accreditation], today).get(accreditation.id)
            if accreditation
            else None
        )
        owed = [(a.title, a.due_on) for a in (state.actions if state else [])]
        link = external_url("accreditation.mine")
        return reminder_fields(
            partner, contact.name if contact else partner.name, owed, today, link
        )
    focal = next(iter(report_content.report_recipients([partner.id]).get(partner.id, [])), None)
    example = external_url("auth.set_password", token="an-example")  # noqa: S106 - not a token
    if focal is not None:
        return invitation_fields(focal, example)
    return invitation_fields(None, example, partner=partner, name=contact.name if contact else "")


@dataclass(frozen=True)
class Preview:
    email: RenderedEmail | None
    problems: list[TemplateProblem]


def preview_template(
    actor: User, key: str, language: str, subject: str, body: str, partner_id: int | None
) -> Preview:
    """A template as it would read for this partner, or every problem it has."""
    problems = check_template(key, subject, body, language)
    if problems:
        return Preview(None, problems)
    fields = preview_fields(key, partner_id, actor, language)
    try:
        return Preview(render_source(key, subject, body, fields, language), [])
    except Exception as error:  # noqa: BLE001 - fine on the samples, not on this partner
        found = problem(error, "body")
        return Preview(None, [TemplateProblem(found.line, found.message + " (on this partner)")])
