"""Progress reports: what each partner's report says, who gets it, sending it
once (and again only when confirmed), the scheduler, and bad input."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from portal.core import periods
from portal.core.access import Refused
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.i18n import format_day, format_percent
from portal.core.translated import set_translations
from portal.models import AuditEvent, OutboxEmail, PartnershipType, ProgressReport
from portal.reports import sending as service
from portal.reports.audience import Audience, ReportRequest, audience_partners
from portal.reports.pdf import report_pdf
from portal.reports.sending import ResendNeedsConfirmation


def this_quarter() -> str:
    """The quarter the app is in today (the programme's today, read when asked)."""
    return periods.quarter_of(local_today()).key


PROGRAMME = "Partner Accreditation Programme"


def pdf_text(data: bytes) -> str:
    """What a PDF reader shows: the text of every page."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def one(partner, **changes) -> ReportRequest:
    return ReportRequest(this_quarter(), Audience("one", partner_id=partner.id), **changes)


def outbox() -> list[OutboxEmail]:
    return list(db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)))


def reports() -> list[ProgressReport]:
    return list(db.session.scalars(db.select(ProgressReport).order_by(ProgressReport.id)))


def test_a_report_says_stage_completion_and_each_remaining_action_with_its_deadline(
    staff, make_partner, approve
):
    partner, focal, accreditation = make_partner()
    first = accreditation.milestones[0].stage.requirements[0]
    approve(staff["admin"], focal, accreditation, [first])
    result = service.send(
        staff["admin"], one(partner, position="Head of partnerships"), local_today()
    )

    (report,) = result.reports
    content = report.content
    assert content["stage"] == "Document submission"
    assert content["completion"] == 25  # 1 of 4 required documents
    titles = [a["title"] for a in content["actions"]]
    assert titles == [
        "Upload Document submission document 2",
        "Upload Compliance review document 1",
        "Upload Final approval document 1",
    ]
    due = accreditation.milestones[0].due_on
    assert content["actions"][0]["due_on"] == due.isoformat()
    assert content["next_deadline"] == due.isoformat()

    (email,) = outbox()
    assert email.recipients == focal.email
    assert email.subject == (
        f"[{PROGRAMME}] Quarterly Accreditation Progress Report for {partner.name}"
    )
    assert email.idempotency_key == f"report:{partner.id}:{this_quarter()}:1"
    text = email.body_text
    assert "Current stage: Document submission" in text
    assert "Completion: 25%" in text
    assert f"Upload Document submission document 2 (deadline: {format_day(due, 'en')})" in text
    assert "Ada Admin\nHead of partnerships" in text
    assert "/accreditation" in text  # the partner's portal link
    assert report.email_id == email.id and report.sent_by_id == staff["admin"].id
    assert (report.subject, report.body_text, report.language) == (email.subject, text, "en")
    assert (report.period_start, report.period_end) == (
        periods.parse(this_quarter()).start,
        periods.parse(this_quarter()).end,
    )
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "report_sent"))
    assert [e.partner_id for e in events] == [partner.id]


def test_sending_a_period_twice_needs_confirmation(staff, make_partner):
    partner, _, _ = make_partner()
    service.send(staff["admin"], one(partner), local_today())
    with pytest.raises(ResendNeedsConfirmation, match=partner.name) as error:
        service.send(staff["admin"], one(partner), local_today())
    assert [p.id for p, _ in error.value.plan.already] == [partner.id]
    db.session.rollback()
    assert len(outbox()) == 1 and len(reports()) == 1

    service.send(staff["admin"], one(partner), local_today(), confirm_resend=True)
    assert [e.idempotency_key for e in outbox()] == [
        f"report:{partner.id}:{this_quarter()}:1",
        f"report:{partner.id}:{this_quarter()}:2",
    ]
    assert len(reports()) == 2


def test_a_partner_without_an_active_user_is_skipped_and_the_rest_are_sent(staff, make_partner):
    alpha, _, _ = make_partner()
    bravo, bravo_focal, _ = make_partner("Bravo Relief", "BR")
    bravo_focal.active = False
    db.session.commit()

    result = service.send(staff["admin"], ReportRequest(this_quarter()), local_today())
    assert [r.partner_id for r in result.reports] == [alpha.id]
    assert [(p.id, why) for p, why in result.skipped] == [
        (bravo.id, "no active user with an email address")
    ]
    assert [e.recipients for e in outbox()] == ["focal@ah.example.org"]


def test_nobody_to_send_to_is_a_clear_error_and_queues_nothing(staff, make_partner):
    partner, focal, _ = make_partner()
    focal.active = False
    db.session.commit()
    with pytest.raises(DomainError, match="Nobody to send to.*no active user"):
        service.send(staff["admin"], one(partner), local_today())
    db.session.rollback()
    assert outbox() == [] and reports() == []


def test_an_empty_recipient_set_is_refused(staff, make_partner):
    make_partner()
    request = ReportRequest(this_quarter(), Audience("filter", type="funding", status="active"))
    with pytest.raises(DomainError, match="No partner matches") as error:
        service.send(staff["admin"], request, local_today())
    assert error.value.field == "recipients"
    with pytest.raises(DomainError, match="Choose the partner"):
        service.send(staff["admin"], ReportRequest(this_quarter(), Audience("one")), local_today())
    assert outbox() == []


def test_a_filter_picks_partners_by_type_and_status(staff, make_partner):
    alpha, _, _ = make_partner()
    bravo, _, _ = make_partner("Bravo Relief", "BR")
    charlie, _, _ = make_partner("Charlie Care", "CC")
    db.session.add_all(
        [
            PartnershipType(partner_id=alpha.id, kind="funding"),
            PartnershipType(partner_id=charlie.id, kind="funding"),
        ]
    )
    charlie.status = "on_hold"
    db.session.commit()
    funding = Audience("filter", type="funding", status="active")
    assert [p.id for p in audience_partners(funding)] == [alpha.id]
    funding.status = "current"
    assert {p.id for p in audience_partners(funding)} == {alpha.id, charlie.id}
    assert [p.id for p in audience_partners(Audience("all"))] == [alpha.id, bravo.id]


def test_an_intro_with_html_or_template_code_is_shown_as_text(staff, make_partner):
    partner, _, _ = make_partner()
    intro = "<b>Thanks</b> {{ 7 * 7 }} {% if true %}x{% endif %}"
    service.send(staff["admin"], one(partner, intro=intro), local_today())
    (email,) = outbox()
    assert intro in email.body_text and "</b> 49" not in email.body_text  # stays text
    assert "&lt;b&gt;Thanks&lt;/b&gt;" in email.body_html and "<b>Thanks" not in email.body_html
    assert reports()[0].intro == intro


def test_a_future_quarter_is_refused_the_current_and_past_ones_are_not(staff, make_partner):
    partner, _, _ = make_partner()
    current = periods.quarter_of(local_today())
    upcoming = periods.quarter_of(current.end + timedelta(days=1))
    for period in (current.previous(), current):
        request = ReportRequest(period.key, Audience("one", partner_id=partner.id))
        service.send(staff["admin"], request, local_today())
    request = ReportRequest(upcoming.key, Audience("one", partner_id=partner.id))
    with pytest.raises(DomainError, match=f"{upcoming.key} has not started yet"):
        service.send(staff["admin"], request, local_today())
    assert len(outbox()) == 2


def test_an_unknown_language_is_named_and_nothing_is_queued(staff, make_partner):
    partner, _, _ = make_partner()
    partner.language = "de"
    db.session.commit()
    with pytest.raises(DomainError, match="'de' is not English or French"):
        service.send(staff["admin"], one(partner), local_today())
    db.session.rollback()
    assert outbox() == []


def test_a_french_partner_gets_its_report_in_french(staff, make_partner):
    partner, _, accreditation = make_partner()
    partner.language = "fr"
    db.session.commit()
    service.send(staff["admin"], one(partner), local_today())
    (email,) = outbox()
    assert email.subject.startswith(f"[{PROGRAMME}] Rapport trimestriel")
    due = accreditation.milestones[0].due_on
    assert (
        f"- Déposer Document submission document 1 (échéance : {format_day(due, 'fr')})"
        in email.body_text
    )
    assert f"Avancement : {format_percent(0, 'fr')}" in email.body_text
    assert "Étape actuelle : Document submission" in email.body_text
    report = reports()[0]
    assert report.language == "fr"
    text = pdf_text(report_pdf(report))
    assert "Document submission" in text and format_day(due, "fr") in text


def test_a_french_report_names_the_stage_and_documents_as_staff_wrote_them_in_french(
    staff, make_partner
):
    partner, _, accreditation = make_partner()
    partner.language = "fr"
    stage = accreditation.milestones[0].stage
    set_translations(stage, "fr", {"name": "Dépôt des documents"})
    set_translations(stage.requirements[0], "fr", {"name": "Certificat d'enregistrement"})
    db.session.commit()
    service.send(staff["admin"], one(partner), local_today())
    (email,) = outbox()
    assert "Étape actuelle : Dépôt des documents" in email.body_text
    assert "- Déposer Certificat d'enregistrement (échéance" in email.body_text
    # A document without French keeps its English name.
    assert "- Déposer Document submission document 2" in email.body_text


def test_only_administrators_send(staff, make_partner):
    partner, _, _ = make_partner()
    with pytest.raises(Refused):
        service.send(staff["manager"], one(partner), local_today())


def test_the_preview_is_the_email_the_partner_gets(staff, make_partner):
    partner, _, _ = make_partner()
    shown = service.preview(staff["admin"], one(partner, intro="Hello"), None, local_today())
    service.send(staff["admin"], one(partner, intro="Hello"), local_today())
    (email,) = outbox()
    assert (shown.email.subject, shown.email.text, shown.email.html) == (
        email.subject,
        email.body_text,
        email.body_html,
    )


def test_building_reports_takes_the_same_queries_for_more_partners(
    staff, make_partner, count_queries
):
    def measure() -> int:
        db.session.expire_all()
        with count_queries() as q:
            service.prepare(staff["admin"], ReportRequest(this_quarter()), local_today())
        return q.count

    make_partner()
    make_partner("Bravo Relief", "BR")
    few = measure()
    for n in range(4):
        make_partner(f"Partner {n}", f"P{n}")
    assert measure() == few


def test_send_due_reports_sends_each_due_report_once(staff, make_partner):
    monthly, _, _ = make_partner()
    quarterly, _, _ = make_partner("Bravo Relief", "BR")
    annual, _, _ = make_partner("Charlie Care", "CC")
    monthly.reporting_frequency = "monthly"
    annual.reporting_frequency = "annually"
    db.session.commit()

    first_of_quarter = periods.quarter_of(local_today()).start
    day = first_of_quarter + timedelta(days=1)
    assert service.send_due_reports(day) == 2
    assert service.send_due_reports(day) == 0
    sent = {(r.partner_id, r.period) for r in reports()}
    assert sent == {
        (monthly.id, periods.month_of(first_of_quarter).previous().key),
        (quarterly.id, periods.quarter_of(first_of_quarter).previous().key),
    }
    assert all(r.sent_by_id is None for r in reports())
    # Later in the month only monthly reporters are due (next month), nobody mid-month.
    assert service.send_due_reports(first_of_quarter + timedelta(days=20)) == 0
    next_month = periods.month_of(first_of_quarter).end + timedelta(days=1)
    assert service.send_due_reports(next_month) == 1
    assert len(outbox()) == 3


def test_the_scheduler_command_queues_due_reports_once(staff, make_partner, runner):
    make_partner()
    first_of_quarter = periods.quarter_of(local_today()).start.isoformat()
    args = ["reports", "send-due", "--today", first_of_quarter]
    assert runner.invoke(args=args).output == "Queued 1 progress report.\n"
    assert runner.invoke(args=args).output == "Queued 0 progress reports.\n"


@pytest.mark.parametrize("dejavu", [True, False])
def test_the_pdf_writes_a_french_report_with_or_without_the_dejavu_font(
    staff, make_partner, monkeypatch, dejavu
):
    from portal.reports import pdf as pdf_module

    if not dejavu:  # a server without the font: Helvetica, Latin-1 look-alikes
        monkeypatch.setattr(pdf_module, "FONT_DIRS", ())
    partner, _, _ = make_partner("Santé – Sans Frontières", "SSF")
    partner.language = "fr"
    db.session.commit()
    intro = "Merci pour l’été : déjà 3 étapes… “bravo”"
    service.send(staff["admin"], one(partner, intro=intro), local_today())
    text = pdf_text(report_pdf(reports()[0]))
    # With DejaVu the intro is written as typed; without it, in Latin-1 look-alikes.
    assert (intro if dejavu else pdf_module.latin1(intro)) in text
    assert pdf_module.latin1(intro) == 'Merci pour l\'été : déjà 3 étapes... "bravo"'
