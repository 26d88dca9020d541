"""What a progress report says about each partner, for many partners at once in
a fixed number of queries: the current accreditation's stage, completion, the
remaining actions with their deadlines, and the next deadline.

The content is a plain JSON-able dict: it is stored with the report as sent,
and the email, the portal page and the PDF are all made from it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from email.utils import parseaddr

from flask import current_app
from sqlalchemy.orm import selectinload

from portal.accreditation import progress as progress_service
from portal.accreditation.progress import Progress, RequirementState
from portal.core.extensions import db
from portal.core.i18n import format_month, format_quarter
from portal.core.periods import Period
from portal.core.translated import translated
from portal.mail.links import external_url
from portal.models import (
    Accreditation,
    Contact,
    Milestone,
    OrganisationDocument,
    Partner,
    Stage,
    Submission,
    User,
)

# The words of the portal page and the PDF in each reporting language (the email's
# own words come from its template, see portal/mail/email_templates.py).
LABELS = {
    "en": {
        "title": "Quarterly Accreditation Progress Report",
        "monthly_title": "Monthly Accreditation Progress Report",
        "period": "Period",
        "stage": "Current stage",
        "completion": "Completion",
        "actions": "Remaining actions",
        "no_actions": "No actions remain.",
        "due": "due",
        "overdue": "overdue",
        "next_deadline": "Next deadline",
        "none": "none",
        "sender": "Sent by",
        "contact": "Contact",
        "portal": "Your portal",
        "no_accreditation": "No accreditation has started yet.",
        "accredited": "Accredited",
        "not_accredited": "Not accredited",
        "completed": "All stages completed",
        "team": "The {programme} team",
    },
    "fr": {
        "title": "Rapport trimestriel d'avancement de l'accréditation",
        "monthly_title": "Rapport mensuel d'avancement de l'accréditation",
        "period": "Période",
        "stage": "Étape en cours",
        "completion": "Avancement",
        "actions": "Actions restantes",
        "no_actions": "Aucune action ne reste à faire.",
        "due": "échéance",
        "overdue": "en retard",
        "next_deadline": "Prochaine échéance",
        "none": "aucune",
        "sender": "Envoyé par",
        "contact": "Contact",
        "portal": "Votre portail",
        "no_accreditation": "Aucune accréditation n'a encore commencé.",
        "accredited": "Accrédité",
        "not_accredited": "Non accrédité",
        "completed": "Toutes les étapes sont terminées",
        "team": "L'équipe du {programme}",
    },
}


# Action titles in the report's language; accreditation/progress.py writes them in English.
ACTION_TITLES = {
    "en": {"upload": "Upload {name}", "revise": "Revise {name}", "overdue": "{name} is overdue"},
    "fr": {
        "upload": "Déposer {name}",
        "revise": "Réviser {name}",
        "overdue": "{name} est en retard",
    },
}


def action_title(action, state: Progress, language: str) -> str:
    """`action`'s title in `language` (the English one when it cannot be rebuilt)."""
    titles = ACTION_TITLES.get(language)
    if titles is None or action.kind not in titles:
        return action.title
    if action.kind == "overdue":
        suffix = " is overdue"
        if not action.title.endswith(suffix):
            return action.title
        name = action.title[: -len(suffix)]
    else:
        names = {
            r.requirement.id: translated(r.requirement, "name", language)
            for r in state.requirements
        }
        if action.requirement_id not in names:
            return action.title
        name = names[action.requirement_id]
    return titles[action.kind].format(name=name)


def labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])


def current_accreditations(partner_ids: list[int]) -> dict[int, Accreditation]:
    """Each partner's current cycle: the latest running one, else the latest."""
    if not partner_ids:
        return {}
    rows = db.session.execute(
        db.select(Accreditation.id, Accreditation.partner_id, Accreditation.running)
        .where(Accreditation.partner_id.in_(partner_ids))
        .order_by(Accreditation.id)
    ).all()
    latest: dict[int, int] = {}
    undecided: dict[int, int] = {}
    for accreditation_id, partner_id, running in rows:
        latest[partner_id] = accreditation_id
        if running:
            undecided[partner_id] = accreditation_id
    chosen = {pid: undecided.get(pid, aid) for pid, aid in latest.items()}
    if not chosen:
        return {}
    loaded = db.session.scalars(
        db.select(Accreditation)
        .where(Accreditation.id.in_(list(chosen.values())))
        .options(
            selectinload(Accreditation.items),
            selectinload(Accreditation.milestones)
            .selectinload(Milestone.stage)
            .selectinload(Stage.requirements),
        )
    ).all()
    return {a.partner_id: a for a in loaded}


def progress_of_many(accreditations: list[Accreditation], today: date) -> dict[int, Progress]:
    """`progress()` for many accreditations: the same states and actions, with
    the submissions and vault documents read in one query each, not two per partner."""
    if not accreditations:
        return {}
    ids = [a.id for a in accreditations]
    versions: dict[tuple[int, int], list[Submission]] = defaultdict(list)
    for submission in db.session.scalars(
        db.select(Submission)
        .where(Submission.accreditation_id.in_(ids))
        .order_by(Submission.version.desc())
    ):
        versions[submission.accreditation_id, submission.requirement_id].append(submission)
    vault: dict[int, dict[str, OrganisationDocument]] = defaultdict(dict)
    for document in db.session.scalars(
        db.select(OrganisationDocument)
        .where(
            OrganisationDocument.partner_id.in_({a.partner_id for a in accreditations}),
            OrganisationDocument.status == "accepted",
            OrganisationDocument.valid_until >= today,
        )
        .order_by(OrganisationDocument.valid_until)
    ):
        vault[document.partner_id][document.document_type] = document  # the one valid longest
    result = {}
    for accreditation in accreditations:
        items = {item.requirement_id: item for item in accreditation.items}
        documents = vault.get(accreditation.partner_id, {})
        states = [
            RequirementState(
                requirement,
                milestone,
                versions.get((accreditation.id, requirement.id), []),
                items.get(requirement.id),
                documents.get(requirement.document_type) if requirement.document_type else None,
            )
            for milestone in accreditation.milestones
            for requirement in milestone.stage.requirements
        ]
        state = Progress(accreditation, states, today)
        # The same rules as the dashboard's list (accreditation/progress.py says them once).
        state.actions = progress_service.outstanding_actions(state)
        result[accreditation.id] = state
    return result


def report_recipients(partner_ids: list[int]) -> dict[int, list[User]]:
    """Who gets each partner's report: its active focal points, or when it has
    none, its other active users with an email address (one query)."""
    if not partner_ids:
        return {}
    users = db.session.scalars(
        db.select(User)
        .where(User.partner_id.in_(partner_ids), User.role == "partner", User.active.is_(True))
        .order_by(User.id)
    ).all()
    focal: dict[int, list[User]] = defaultdict(list)
    others: dict[int, list[User]] = defaultdict(list)
    for user in users:
        if user.email and user.email.strip():
            (focal if user.partner_role == "focal" else others)[user.partner_id].append(user)
    return {pid: focal.get(pid) or others.get(pid, []) for pid in partner_ids}


def primary_contacts(partner_ids: list[int]) -> dict[int, str]:
    """partner id -> the name of its primary focal person (one query)."""
    if not partner_ids:
        return {}
    return dict(
        db.session.execute(
            db.select(Contact.partner_id, Contact.name).where(
                Contact.partner_id.in_(partner_ids),
                Contact.is_primary.is_(True),
                Contact.ended_at.is_(None),
            )
        ).all()
    )


def team_contact() -> str:
    """The contact line at the foot of a report: TEAM_CONTACT, else the team's
    addresses, else nothing (the line is left out). Never the portal's own sending
    address, nor an address at localhost: a reader could not write to either."""
    config = current_app.config
    if config.get("TEAM_CONTACT"):
        return config["TEAM_CONTACT"]
    return ", ".join(a for a in config.get("PROGRAMME_TEAM_EMAILS") or () if not _local(a))


def _local(address: str) -> bool:
    domain = parseaddr(address)[1].rpartition("@")[2].lower()
    return domain in ("localhost", "localhost.localdomain") or domain.endswith(".localhost")


def sender_name(content: dict, language: str) -> str:
    """Who signs the report: the staff member who sent it, else (the scheduler's
    reports) the configured sender, else the programme's team in the report's language."""
    return content["sender_name"] or labels(language)["team"].format(programme=content["programme"])


def sender_line(content: dict, language: str) -> str:
    """'Alice Uwase, Programme Manager', or just the team when nobody signs."""
    parts = (sender_name(content, language), content.get("sender_position") or "")
    return ", ".join(part for part in parts if part)


def _stage(accreditation: Accreditation | None, language: str) -> tuple[str, str | None]:
    """(status, stage name in `language` where staff wrote it): in_progress with the
    current stage, or how it ended."""
    if accreditation is None:
        return "none", None
    milestone = accreditation.current_milestone or (
        accreditation.milestones[-1] if accreditation.milestones else None
    )
    name = translated(milestone, "name", language) if milestone is not None else None
    if accreditation.current_milestone is not None:
        return "in_progress", name
    return accreditation.decision or "completed", name


def contents(
    partners: list[Partner],
    period: Period,
    today: date,
    *,
    sender_name: str,
    sender_position: str,
    intro: str,
    recipients: dict[int, list[User]] | None = None,
) -> dict[int, dict]:
    """The report content of each partner (partner id -> dict), in seven queries."""
    ids = [p.id for p in partners]
    recipients = report_recipients(ids) if recipients is None else recipients
    greetings = primary_contacts(ids)
    accreditations = current_accreditations(ids)
    states = progress_of_many(list(accreditations.values()), today)
    portal_link = external_url("accreditation.mine")
    contact = team_contact()
    programme = current_app.config["PROGRAMME_NAME"]
    result = {}
    for partner in partners:
        accreditation = accreditations.get(partner.id)
        state = states.get(accreditation.id) if accreditation else None
        status, stage = _stage(accreditation, partner.language)
        actions = [
            {
                "title": action_title(a, state, partner.language),
                "kind": a.kind,
                "due_on": a.due_on.isoformat(),
                "overdue": a.is_overdue(today),
            }
            for a in (state.actions if state else [])
        ]
        upcoming = [a["due_on"] for a in actions if not a["overdue"]]
        result[partner.id] = {
            "programme": programme,
            "partner_id": partner.id,
            "partner_name": partner.name,
            "greeting_name": greetings.get(partner.id)
            or next((u.name for u in recipients.get(partner.id, [])), partner.name),
            "period": period.key,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "period_kind": period.kind,
            "accreditation_id": accreditation.id if accreditation else None,
            "status": status,
            "stage": stage,
            "completion": state.percent if state else None,
            "actions": actions,
            "next_deadline": min(upcoming) if upcoming else None,
            "sender_name": sender_name,
            "sender_position": sender_position,
            "team_contact": contact,
            "portal_link": portal_link,
            "intro": intro,
        }
    return result


def stage_text(content: dict, language: str) -> str:
    """The stage in words: the stage's name, or how the accreditation ended."""
    words = labels(language)
    status = content["status"]
    if status == "none":
        return words["no_accreditation"]
    if status in ("accredited", "not_accredited", "completed"):
        return words[status]
    return content["stage"] or ""


def period_text(content: dict, language: str) -> str:
    """'Q3 2026' / 'T3 2026' for a quarter, 'November 2026' / 'novembre 2026' for a month."""
    if content.get("period_kind") == "month":
        return format_month(date.fromisoformat(content["period_start"]), language)
    return format_quarter(content["period"], language)


def merge_fields(content: dict, language: str) -> dict:
    """The fields the "report" email template is rendered with (see
    MERGE_FIELDS["report"]); its filters write dates and numbers for `language`."""
    day = date.fromisoformat
    return {
        "partner_name": content["partner_name"],
        "greeting_name": content["greeting_name"],
        "programme": content["programme"],
        "quarter": period_text(content, language),
        "stage": stage_text(content, language),
        "completion": content["completion"],
        "remaining_actions": [
            {"title": a["title"], "deadline": day(a["due_on"])} for a in content["actions"]
        ],
        "next_deadline": day(content["next_deadline"]) if content["next_deadline"] else None,
        "sender_name": sender_name(content, language),
        "sender_position": content["sender_position"],
        "team_contact": content["team_contact"],
        "portal_link": content["portal_link"],
        "intro": content["intro"],
    }
