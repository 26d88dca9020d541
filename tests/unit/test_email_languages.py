"""Every email is written in its recipient's language: the one they chose for the
pages, else their partner's reporting language, else English. For each kind of
notice a partner's people get, the French partner's focal point reads French
(subject, text, HTML, the invitation's title) and the English one English; one
notice to people of two languages goes out as one email per language."""

from __future__ import annotations

import html
from datetime import date, time, timedelta

import pytest
from icalendar import Calendar

from portal.accreditation.decisions import record_decision
from portal.accreditation.submissions import review_submission
from portal.checkins import meetings as checkins
from portal.checkins.meetings import CheckInPlan
from portal.conversations.threads import post_message
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.i18n import recipient_language
from portal.demo import sample_pdf
from portal.mail.queue import queue_email
from portal.models import OutboxEmail, User, utcnow
from portal.notifications.bell import notify
from portal.reminders.digests import send_digests
from portal.reminders.schedule import Summary
from portal.vault.documents import add_document, reject
from tests.helpers import a_reason, file_upload, requirements_of


@pytest.fixture
def partners(make_template, make_partner, staff):
    """An English-reporting partner and a French-reporting one, each with its focal
    point, on a template whose first document is a vault type."""
    template = make_template()
    template.stages[0].requirements[0].document_type = "registration_certificate"
    db.session.commit()
    english = make_partner("Alpha Health", "AH", template=template)
    french = make_partner("Santé Plus", "SP", template=template)
    french[0].language = "fr"
    db.session.commit()
    return {"en": english, "fr": french}


def mail_to(user: User, template: str) -> OutboxEmail:
    """The one email of `template` addressed to `user`."""
    db.session.expire_all()
    found = [
        e
        for e in db.session.scalars(db.select(OutboxEmail).filter_by(template=template))
        if user.email in e.recipient_list
    ]
    assert len(found) == 1, [e.subject for e in found]
    return found[0]


def ask_for_changes(partner, focal, accreditation, staff, upload, approve):
    document = upload(focal, accreditation, requirements_of(accreditation)[1])
    review_submission(staff["manager"], document, "request_changes", "Sign page 3.", a_reason())


def reach_a_milestone(partner, focal, accreditation, staff, upload, approve):
    approve(staff["manager"], focal, accreditation, accreditation.milestones[0].stage.requirements)


def decide(partner, focal, accreditation, staff, upload, approve):
    approve(staff["manager"], focal, accreditation, requirements_of(accreditation))
    record_decision(
        staff["admin"], accreditation, "accredited", "", date(2031, 5, 31), local_today()
    )


def reject_from_the_vault(partner, focal, accreditation, staff, upload, approve):
    document = add_document(
        focal,
        partner,
        "registration_certificate",
        local_today() + timedelta(365),
        file_upload(sample_pdf("Vault"), "Certificate.pdf"),
    )
    reject(staff["admin"], document, "For another organisation.")


def write_to_the_partner(partner, focal, accreditation, staff, upload, approve):
    post_message(staff["manager"], accreditation, "Bonjour / Hello")


def send_a_digest(partner, focal, accreditation, staff, upload, approve):
    focal.notice_delivery = "digest"
    focal.last_digest_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    notify([focal], "changes_requested", "Budget", "/accreditation")
    db.session.commit()
    send_digests(local_today(), Summary())


def plan() -> CheckInPlan:
    return CheckInPlan(
        starts_on=date(local_today().year + 2, 3, 3),
        start_time=time(10, 0),
        duration_minutes=60,
        location="https://meet.example.org/alpha",
        agenda="Documents",
        repeat="once",
        meetings=1,
    )


def invite_to_a_checkin(partner, focal, accreditation, staff, upload, approve):
    checkins.schedule(staff["manager"], partner, plan())


def cancel_a_checkin(partner, focal, accreditation, staff, upload, approve):
    [meeting] = checkins.schedule(staff["manager"], partner, plan())
    checkins.cancel(staff["manager"], meeting)


# What each notice does, its template, and words of its subject and body in each
# language (the body's words are in both the text and the HTML).
NOTICES = {
    "changes_requested": (
        ask_for_changes,
        {
            "en": ("Changes requested:", "asks for changes"),
            "fr": ("Modifications demandées :", "demande des modifications"),
        },
    ),
    "milestone_reached": (
        reach_a_milestone,
        {
            "en": ("Milestone reached:", "has completed the milestone"),
            "fr": ("Jalon franchi :", "a franchi le jalon"),
        },
    ),
    "accreditation_decided": (
        decide,
        {
            "en": ("Accredited until 31 May 2031", "is accredited until"),
            "fr": ("Accrédité jusqu’au 31 mai 2031", "est accrédité jusqu’au"),
        },
    ),
    "vault_document_rejected": (
        reject_from_the_vault,
        {"en": ("not accepted", "could not accept"), "fr": ("non accepté", "pas pu accepter")},
    ),
    "new_message": (
        write_to_the_partner,
        {
            "en": (
                "New message from the programme team about the message thread",
                "wrote about the message thread",
            ),
            "fr": (
                "Nouveau message de l’équipe du programme au sujet de la discussion",
                "a écrit au sujet de la discussion",
            ),
        },
    ),
    "digest": (
        send_a_digest,
        {
            "en": ("Your daily summary: 1 notification", "Here is what happened"),
            "fr": ("Votre récapitulatif du jour : 1 notification", "Voici ce qui s’est passé"),
        },
    ),
    "checkin_invitation": (
        invite_to_a_checkin,
        {"en": ("Check-in: ", "invites"), "fr": ("Point d’étape : ", "invite")},
    ),
    "checkin_cancelled": (
        cancel_a_checkin,
        {
            "en": ("Cancelled: check-in with", "is cancelled"),
            "fr": ("Annulé : point d’étape avec", "est annulé"),
        },
    ),
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("kind", list(NOTICES))
def test_each_notice_is_written_in_its_partners_language(
    kind, language, partners, staff, upload, approve
):
    partner, focal, accreditation = partners[language]
    act, words = NOTICES[kind]
    act(partner, focal, accreditation, staff, upload, approve)
    email = mail_to(focal, kind)
    subject, body = words[language]
    other_subject, other_body = words["fr" if language == "en" else "en"]
    assert subject in email.subject and other_subject not in email.subject
    page = html.unescape(email.body_html)
    assert body in email.body_text and body in page
    assert f'<html lang="{language}">' in email.body_html
    footer = {"en": "You receive this email", "fr": "Vous recevez cet e-mail"}
    assert footer[language] in page
    greeting = {"en": ("Hello", "Dear"), "fr": ("Bonjour", "Chère équipe")}
    assert email.body_text.startswith(greeting[language])
    if kind.startswith("checkin"):
        [attachment] = email.attachments
        [event] = Calendar.from_ical(attachment.data).walk("VEVENT")
        title = {"en": "Check-in: ", "fr": "Point d’étape : "}
        assert str(event["summary"]).startswith(title[language])


def test_the_programme_side_of_a_french_partners_notice_reads_english(
    partners, staff, upload, approve
):
    partner, focal, accreditation = partners["fr"]
    reach_a_milestone(partner, focal, accreditation, staff, upload, approve)
    assert mail_to(focal, "milestone_reached").subject.startswith("Jalon franchi")
    assert mail_to(staff["manager"], "milestone_reached").subject.startswith("Milestone reached")


def test_a_person_who_chose_a_language_reads_it_whatever_their_partners(
    partners, staff, make_user, upload, approve
):
    partner, focal, accreditation = partners["en"]
    colleague = make_user("amelie@ah.example.org", partner=partner, partner_role="editor")
    colleague.language = "fr"
    db.session.commit()
    ask_for_changes(partner, focal, accreditation, staff, upload, approve)
    # One email per language, each to its own readers.
    english, french = mail_to(focal, "changes_requested"), mail_to(colleague, "changes_requested")
    assert english.id != french.id
    assert english.recipient_list == [focal.email] and french.recipient_list == [colleague.email]
    assert english.subject.startswith("Changes requested")
    assert french.subject.startswith("Modifications demandées")
    assert "demande des modifications" in french.body_text


def test_the_language_of_a_recipient(partners, make_user):
    english_partner, french_partner = partners["en"][0], partners["fr"][0]
    assert recipient_language(partners["fr"][1]) == "fr"
    assert recipient_language(partners["en"][1]) == "en"
    staff_member = make_user("someone@example.org", role="manager")
    assert recipient_language(staff_member) == "en"
    staff_member.language = "fr"
    assert recipient_language(staff_member) == "fr"
    # Kinyarwanda pages, but emails are written in the reporting languages only.
    reader = make_user("umusomyi@sp.example.org", partner=french_partner, partner_role="editor")
    reader.language = "rw"
    assert recipient_language(reader) == "fr"
    reader.partner = english_partner
    assert recipient_language(reader) == "en"
    assert recipient_language(None) == "en"


def test_an_idempotency_key_is_kept_once_per_language(partners, make_user):
    partner, focal, _ = partners["en"]
    colleague = make_user("amelie@ah.example.org", partner=partner, partner_role="editor")
    colleague.language = "fr"
    db.session.commit()
    fields = {"partner": partner, "author": focal, "about": "x", "body": "y", "link": "/"}
    first = queue_email([focal, colleague], "new_message", fields, subject="S", idempotency_key="k")
    db.session.commit()
    keys = sorted(e.idempotency_key for e in db.session.scalars(db.select(OutboxEmail)))
    assert first.idempotency_key == "k" and keys == ["k", "k:fr"]
    assert (
        queue_email([focal, colleague], "new_message", fields, subject="S", idempotency_key="k")
        is None
    )


def test_an_explicit_language_writes_every_copy_in_it(partners):
    partner, focal, _ = partners["fr"]
    fields = {"partner": partner, "author": focal, "about": "x", "body": "y", "link": "/"}
    email = queue_email([focal], "new_message", fields, language="en", subject="S")
    assert "wrote about" in email.body_text
