"""Demo data that tells a story: three partners at three different stages, and a
fourth whose cycle was decided and whose people answered the feedback survey."""

from __future__ import annotations

from datetime import date, time, timedelta
from io import BytesIO
from pathlib import Path

import click
from flask.cli import with_appcontext
from werkzeug.datastructures import FileStorage

from portal.accounts.passwords import hash_password
from portal.accreditation.lifecycle import open_accreditation
from portal.accreditation.submissions import review_submission, submit_document
from portal.assignments.demo import load_assignments
from portal.checkins.meetings import CheckInPlan, schedule
from portal.concerns.demo import load_concern_story
from portal.conversations.threads import post_comment, post_message
from portal.core import audit, periods
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.periods import fiscal_start
from portal.finance import demo as finance_demo
from portal.models import (
    AccreditationTemplate,
    ChangeReason,
    Contact,
    Coverage,
    OrgUnit,
    Partner,
    PartnershipType,
    Requirement,
    Stage,
    Submission,
    User,
)
from portal.obligations import demo as obligations_demo
from portal.orgunits.importer import import_file
from portal.partners import search as partner_search
from portal.partners.drafts import district_id_of
from portal.partnerships.demo import load_prospects
from portal.reports.audience import ReportRequest
from portal.reports.sending import send
from portal.review.reasons import ensure_default_reasons
from portal.surveys import demo as survey_demo
from portal.vault.documents import add_document as add_vault_document

SAMPLE_ORGUNITS = Path(__file__).parent / "sample_data" / "dhis2_metadata.json"
# Who covers what in the demo country: (partner index, unit name, scope note).
COVERAGE = [
    (0, "Kasenga District", "funds maternal health"),
    (0, "Mbala District", "funds community health workers"),
    (1, "Lwandi District Hospital", "quality supervision"),
    (1, "Lwandi Health Centre", "quality supervision"),
    (2, None, "technical assistance to maternity wards, nationwide"),
]

DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed for the demo, not a secret

TEMPLATE = [
    (
        "Document submission",
        30,
        [
            ("Registration certificate", "The organisation's certificate of registration."),
            ("Audited financial statements", "The last financial year, signed by the auditor."),
            ("Organisational chart", "Who leads the programme work and who they report to."),
            ("Safeguarding policy", "The policy in force, with its approval date."),
            ("Signed code of conduct", "Signed by the head of the organisation."),
        ],
    ),
    (
        "Compliance review",
        30,
        [
            ("Compliance self-assessment", "The programme's checklist, completed and signed."),
            ("Site visit report", "The report of the supervision visit, with actions agreed."),
        ],
    ),
    ("Final approval", 14, [("Signed accreditation agreement", "Both parties' signatures.")]),
]

# Requirements answered from the organisation's document vault, and what partners
# are told about getting each right.
DOCUMENT_TYPES = {
    "Registration certificate": "registration_certificate",
    "Audited financial statements": "audited_accounts",
}
GUIDANCE = {
    "Registration certificate": "A scan of the original, showing the registration number.",
    "Audited financial statements": "Include the auditor's opinion and the signed balance sheet.",
    "Safeguarding policy": "It must carry the board's approval date.",
}

PEOPLE = [
    ("admin@example.org", "Amina Diallo", "admin", None),
    ("manager@example.org", "Joseph Mensah", "manager", None),
    ("focal@hai.example.org", "Grace Achieng", "partner", 0),
    ("focal@ndst.example.org", "Samuel Okafor", "partner", 1),
    ("focal@mcta.example.org", "Claire Dubois", "partner", 2),
]

PARTNERS = [
    ("Health Access Initiative", "HAI"),
    ("Northern Districts Supervision Trust", "NDST"),
    ("Maternal Care Technical Assistance", "MCTA"),
]
# name, acronym -> types, scope of work, language, frequency, phone of the focal person
# (real numbers, written as the forms store them: the focal point saves them unchanged)
PROFILES = [
    (
        ["funding"],
        "Funds community health workers and maternal health services in rural districts.",
        "en",
        "quarterly",
        "+254 20 5550101",
    ),
    (
        ["supervision"],
        "Quality supervision of district health facilities, with quarterly site visits.",
        "en",
        "monthly",
        "+234 803 555 0102",
    ),
    (
        ["technical_assistance", "funding"],
        "Technical assistance to maternity wards: training, protocols and equipment.",
        "fr",
        "quarterly",
        "+33 1 55 55 01 03",
    ),
]


def sample_pdf(title: str) -> bytes:
    """A small, valid one-page PDF saying `title`."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _upload(user: User, accreditation, requirement: Requirement):
    name = requirement.name.lower().replace(" ", "-") + ".pdf"
    file = FileStorage(BytesIO(sample_pdf(requirement.name)), filename=name)
    return submit_document(user, accreditation, requirement, file)


def load() -> bool:
    """Load the demo; return False (and change nothing) when it is already there."""
    if db.session.scalar(db.select(User.id).filter_by(email=PEOPLE[0][0])):
        return False
    template = AccreditationTemplate(name="Partner accreditation 2026")
    for position, (stage_name, days, documents) in enumerate(TEMPLATE, start=1):
        stage = Stage(position=position, name=stage_name, duration_days=days)
        stage.requirements = [
            Requirement(
                position=i,
                name=n,
                description=d,
                document_type=DOCUMENT_TYPES.get(n),
                guidance=GUIDANCE.get(n, ""),
            )
            for i, (n, d) in enumerate(documents, start=1)
        ]
        template.stages.append(stage)
    today = local_today()
    partners = [
        Partner(
            name=n,
            acronym=a,
            search_key=partner_search.key(n, a),
            types=[PartnershipType(kind=k) for k in types],
            scope_of_work=scope,
            language=language,
            reporting_frequency=frequency,
            next_review_on=today + timedelta(days=days),
        )
        for (n, a), (types, scope, language, frequency, _), days in zip(
            PARTNERS, PROFILES, (200, 12, -5), strict=True
        )
    ]
    users = [
        User(
            email=email,
            name=name,
            role=role,
            partner=partners[index] if index is not None else None,
            partner_role="focal" if index is not None else None,
            password_hash=hash_password(DEMO_PASSWORD),
            # The demo's administrator is the monitoring officer who exports.
            can_export=role == "admin",
        )
        for email, name, role, index in PEOPLE
    ]
    db.session.add_all([template, *partners, *users])
    db.session.flush()
    for user in users[2:]:
        profile = PROFILES[partners.index(user.partner)]
        db.session.add(
            Contact(
                partner_id=user.partner_id,
                name=user.name,
                title="Focal point",
                email=user.email,
                phone=profile[4],
                is_primary=True,
                user_id=user.id,
            )
        )
    admin, manager, hai, ndst, mcta = users
    for partner in partners:
        audit.record(
            admin,
            "partner_created",
            partner,
            partner_id=partner.id,
            changes=audit.created(partner, ["name", "acronym", "status"]),
        )
    _cover(partners, today - timedelta(days=365))
    open_accreditation(admin, partners[0], template, today - timedelta(days=3))
    changes = open_accreditation(admin, partners[1], template, today - timedelta(days=40))
    near = open_accreditation(admin, partners[2], template, today - timedelta(days=70))
    partner_search.refresh(p.id for p in partners)
    db.session.commit()

    documents = [r for s in template.stages for r in s.requirements]
    # NDST: three approved, one sent back, one waiting for review, one missing.
    for requirement in documents[:3]:
        review_submission(manager, _upload(ndst, changes, requirement), "approve", "")
    ensure_default_reasons()
    not_signed = db.session.scalar(
        db.select(ChangeReason.id)
        .where(ChangeReason.retired_at.is_(None))
        .order_by(ChangeReason.label != "Not signed", ChangeReason.position)
        .limit(1)
    )
    review_submission(
        manager,
        _upload(ndst, changes, documents[3]),
        "request_changes",
        "The policy has no approval date. Please upload the signed, dated version.",
        not_signed,
    )
    _upload(ndst, changes, documents[5])
    # MCTA: everything approved but the agreement, which waits for review.
    for requirement in documents[:-1]:
        review_submission(manager, _upload(mcta, near, requirement), "approve", "")
    _upload(mcta, near, documents[-1])
    _conversations(ndst, manager, changes, documents[3])
    _vault_and_checkins(admin, hai, partners, today)
    _last_quarters_report(admin, today)
    obligations_demo.load(admin, partners, {"hai": hai, "ndst": ndst}, today, sample_pdf)
    survey_demo.load_survey_story(admin, manager, template, today, DEMO_PASSWORD, _upload)
    load_prospects(admin, today)
    load_concern_story(admin, manager, [hai, ndst, mcta], partners, today, sample_pdf)
    load_assignments(admin, partners, today)
    finance_demo.load_bank_details(admin, partners, DEMO_PASSWORD)
    return True


def _last_quarters_report(admin: User, today: date) -> None:
    """Last quarter's progress report went to every partner (so each has one to read)."""
    last = periods.quarter_of(today, fiscal_start()).previous(fiscal_start())
    send(admin, ReportRequest(last.key, intro="Thank you for a productive quarter."), today)


def _conversations(ndst: User, manager: User, accreditation, policy: Requirement) -> None:
    """NDST asks about the sent-back policy on the document, and in the thread."""
    sent_back = db.session.scalar(
        db.select(Submission).filter_by(accreditation_id=accreditation.id, requirement_id=policy.id)
    )
    post_comment(ndst, sent_back, "Our board approved it in March; is the minute enough?")
    post_comment(manager, sent_back, "Yes: upload the policy together with the minute.")
    post_message(
        ndst, accreditation, "Could the site visit move to next month? Our supervisor is away."
    )


def _vault_and_checkins(admin: User, hai: User, partners: list[Partner], today: date) -> None:
    """HAI keeps its registration certificate in the vault; everyone has check-ins."""
    certificate = FileStorage(
        BytesIO(sample_pdf("Registration certificate")), filename="registration-certificate.pdf"
    )
    add_vault_document(
        hai, partners[0], "registration_certificate", today + timedelta(days=45), certificate
    )
    for partner, day in zip(partners, (9, 16, 23), strict=True):
        schedule(
            admin,
            partner,
            CheckInPlan(
                starts_on=today + timedelta(days=day),
                start_time=time(10, 0),
                duration_minutes=60,
                location="https://meet.example.org/" + partner.acronym.lower(),
                agenda="Progress on documents; questions; next steps.",
                repeat="monthly",
                meetings=6,
                weekend="monday",  # no sample meeting on a Saturday or Sunday
            ),
        )
    db.session.commit()


def _cover(partners: list[Partner], since: date) -> None:
    """The sample country's org units (imported once), and who covers what."""
    if db.session.scalar(db.select(db.func.count(OrgUnit.id))) == 0:
        import_file(SAMPLE_ORGUNITS)
    for index, unit_name, note in COVERAGE:
        unit = None
        if unit_name:
            unit = db.session.scalar(db.select(OrgUnit).filter_by(name=unit_name))
        if unit_name and unit is None:
            continue  # a sample file without that unit: leave it out
        db.session.add(
            Coverage(
                partner_id=partners[index].id,
                org_unit_id=unit.id if unit else None,
                district_id=district_id_of(unit) if unit else None,
                nationwide=unit is None,
                scope_note=note,
                starts_on=since,
            )
        )


def logins() -> list[tuple[str, str, str]]:
    people = [(email, DEMO_PASSWORD, f"{role}: {name}") for email, name, role, _ in PEOPLE]
    return people + survey_demo.logins(DEMO_PASSWORD) + finance_demo.logins(DEMO_PASSWORD)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo partners, template and accreditations (safe to run twice)."""
    click.echo("Demo data loaded." if load() else "Demo data already present.")
    click.echo("Demo logins (email / password):")
    for email, password, who in logins():
        click.echo(f"  {email:<26} {password}   ({who})")
