"""Editable emails: the documented fields, the built-in defaults in English and
French, checking (syntax, unknown fields, the sandbox), versions, and values
typed by people shown as text, never executed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from markupsafe import Markup

from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.mail.checks import check_template
from portal.mail.defaults import DEFAULTS
from portal.mail.email_templates import (
    TemplateRefused,
    render_email,
    restore_template,
    save_template,
)
from portal.mail.merge_fields import MERGE_FIELDS, TEMPLATE_KEYS, sample_fields
from portal.mail.queue import queue_email
from portal.models import AuditEvent, EmailTemplate, OutboxEmail

REPORT_FIELDS = {
    "partner_name": "Health Access Initiative",
    "programme": "Partner Accreditation Programme",
    "quarter": "Q3 2026",
    "stage": "Document review",
    "completion": 45,
    "remaining_actions": [
        {"title": "Upload Audited accounts", "deadline": date(2026, 12, 15)},
        {"title": "Revise Safeguarding policy", "deadline": date(2027, 1, 8)},
    ],
    "next_deadline": date(2026, 12, 15),
    "portal_link": "https://portal.example.org/accreditations/7",
    "sender_name": "Amina Diallo",
    "sender_position": "Programme manager",
    "team_contact": "partners@example.org",
    "intro": "",
    "greeting_name": "Grace Mensah",
}


def test_every_template_documents_its_fields_and_has_both_languages(app):
    assert (
        set(TEMPLATE_KEYS) == set(MERGE_FIELDS) == {"report", "reminder", "invitation", "welcome"}
    )
    assert {
        "partner_name", "programme", "quarter", "stage", "completion", "remaining_actions",
        "next_deadline", "portal_link", "sender_name", "sender_position", "team_contact",
        "intro", "greeting_name",
    } <= set(MERGE_FIELDS["report"])  # fmt: skip
    for key in TEMPLATE_KEYS:
        for language in ("en", "fr"):
            assert check_template(key, *DEFAULTS[key, language], language) == []


def test_the_default_report_follows_the_programmes_template(app):
    email = render_email("report", REPORT_FIELDS, "en")
    assert email.subject == (
        "[Partner Accreditation Programme] Quarterly Accreditation Progress Report"
        " for Health Access Initiative"
    )
    text = email.text
    assert text.startswith("Dear Grace Mensah,")
    assert "Current stage: Document review" in text
    assert "Completion: 45%" in text
    assert "- Upload Audited accounts (deadline: 15 December 2026)" in text
    assert "- Revise Safeguarding policy (deadline: 8 January 2027)" in text
    assert "Amina Diallo\nProgramme manager\npartners@example.org" in text
    assert "https://portal.example.org/accreditations/7" in text
    assert '<a href="https://portal.example.org/accreditations/7">' in email.html
    assert "<li>Upload Audited accounts (deadline: 15 December 2026)</li>" in email.html


def test_a_french_partner_gets_its_report_in_french_with_french_dates(app):
    email = render_email("report", REPORT_FIELDS, "fr")
    assert email.subject.startswith("[Partner Accreditation Programme] Rapport trimestriel")
    assert email.text.startswith("Bonjour Grace Mensah,")
    assert "(échéance : 15 décembre 2026)" in email.text
    assert "Avancement : 45\u00a0%" in email.text
    assert 'lang="fr"' in email.html
    assert "Vous recevez cet e-mail" in email.html


def test_an_intro_with_html_or_template_syntax_is_shown_as_text(app):
    intro = "<script>alert(1)</script> {{ sender_name }} {% for x in y %} <b>bold</b>"
    email = render_email("report", REPORT_FIELDS | {"intro": intro}, "en")
    assert intro in email.text  # exactly as typed: nothing executed
    assert "<script>" not in email.html and "<b>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ sender_name }} {% for x in y %}" in email.html
    # Markup from a caller is text too.
    email = render_email("report", REPORT_FIELDS | {"intro": Markup("<i>hi</i>")}, "en")
    assert "&lt;i&gt;hi&lt;/i&gt;" in email.html


def test_a_link_with_quotes_cannot_break_out_of_the_anchor(app):
    fields = REPORT_FIELDS | {"portal_link": 'https://x.example/"onmouseover="alert(1)'}
    html = render_email("report", fields, "en").html
    assert 'onmouseover="' not in html


def test_a_field_cannot_reach_into_objects(app, staff):
    # A model passed by mistake becomes its text; nothing of it is reachable.
    body = "{{ partner_name.__class__.__mro__ }}"
    problems = check_template("report", "Report", body)
    assert problems and problems[0].line == 1
    email = render_email("report", REPORT_FIELDS | {"partner_name": staff["admin"]}, "en")
    assert "<User admin@example.org admin>" in email.subject


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("Dear {{ greeting_name }},\n\n{% if stage %}\nno end", 4, "Unexpected end of template"),
        ("Hello\n{{ partner_name }}\n\n{{ budget }}", 4, "Unknown merge field 'budget'"),
        ("{% for a in remaining_actions %}\n{{ a.titel }}\n{% endfor %}", 2, "no field 'titel'"),
        ("{{ range(10) }}", 1, "Unknown merge field 'range'"),
        ("x\n{{ 'x' * 100000 }}", 2, "too long"),
        ("{{ stage|safe }}", 1, "No filter named 'safe'"),
        ("a\nb\n{{ remaining_actions[0].title }}", 3, "(with empty lists)"),
        ("{{ stage.__class__ }}", 1, ""),
        ("{{ '%099999999d' % 1 }}", 1, "not available"),
        ("{{ '{:>99999999}'.format(1) }}", 1, ""),
        ("{{ partner_name.center(100000000) }}", 1, ""),
        ("{{ intro|join(partner_name * 999) }}", 1, "too long"),
        ("{% include 'base.html' %}", 1, ""),
    ],
)
def test_a_broken_or_unsafe_template_is_refused_with_its_line(app, body, line, message):
    problems = check_template("report", "Report for {{ partner_name }}", body)
    assert problems, body
    assert problems[0].line == line
    assert problems[0].where == "body"
    assert message in problems[0].message


def test_problems_in_the_subject_say_so(app):
    [problem] = check_template("welcome", "Welcome {{ partner }}", "Hi {{ user_name }}")
    assert (problem.where, problem.line) == ("subject", 1)
    assert "Unknown merge field 'partner'" in problem.message
    assert check_template("welcome", "", "Hi")[0].message == "The subject is empty."


def test_a_saved_version_is_used_and_audited_and_the_old_one_can_be_restored(app, staff):
    admin = staff["admin"]
    first = save_template(
        admin, "invitation", "en", "Join {{ programme }}", "Hi {{ user_name }}: {{ link }}", "short"
    )
    assert (first.version, first.created_by_id) == (1, admin.id)
    fields = sample_fields("invitation")
    assert render_email("invitation", fields, "en").text.startswith("Hi Grace Mensah: https://")
    # French is a separate template: still the default.
    assert render_email("invitation", fields, "fr").subject.startswith("Votre invitation")

    second = save_template(admin, "invitation", "en", "Join us", "Hello {{ user_name }}", "")
    assert second.version == 2
    assert render_email("invitation", fields, "en").subject == "Join us"
    restored = restore_template(admin, "invitation", "en", 1)
    assert (restored.version, restored.subject, restored.note) == (
        3,
        "Join {{ programme }}",
        "Restored version 1",
    )
    default = restore_template(admin, "invitation", "en", None)
    assert default.body == DEFAULTS["invitation", "en"][1]
    events = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.action == "email_template.saved")
        .order_by(AuditEvent.id)
    ).all()
    assert len(events) == 4 and events[0].reason == "short"
    assert events[1].changes["subject"] == ["Join {{ programme }}", "Join us"]


def test_a_refused_template_saves_nothing(app, staff):
    with pytest.raises(TemplateRefused) as refused:
        save_template(staff["admin"], "report", "en", "R", "{{ partner_name }\n{{ nope }}", "")
    assert refused.value.problems[0].line == 1
    assert "line 1 of the body" in refused.value.message
    assert db.session.scalar(db.select(db.func.count(EmailTemplate.id))) == 0
    with pytest.raises(DomainError, match="Nothing changed"):
        save_template(staff["admin"], "report", "en", *DEFAULTS["report", "en"], "")
    with pytest.raises(DomainError, match="Unknown language 'de'"):
        save_template(staff["admin"], "report", "de", "R", "Body", "")
    with pytest.raises(DomainError, match="Unknown email template"):
        render_email("newsletter", {}, "en")


def test_an_editable_email_is_queued_once_per_idempotency_key(app):
    email = queue_email(
        ["Grace@HAI.example.org", ""],
        "report",
        REPORT_FIELDS,
        language="fr",
        idempotency_key="report:1:2026-Q3",
        cc=["boss@hai.example.org", "grace@hai.example.org"],
        attachments=[("report.pdf", "application/pdf", b"%PDF-1.4")],
    )
    db.session.commit()
    assert email.recipient_list == ["grace@hai.example.org"]
    assert email.cc_list == ["boss@hai.example.org"]
    assert (email.template, email.status) == ("report", "pending")
    assert email.subject.startswith("[Partner Accreditation Programme] Rapport")
    assert email.attachments[0].filename == "report.pdf"
    again = queue_email(
        ["grace@hai.example.org"],
        "report",
        REPORT_FIELDS,
        language="fr",
        idempotency_key="report:1:2026-Q3",
    )
    assert again is None
    assert queue_email([], "report", REPORT_FIELDS) is None
    assert db.session.scalar(db.select(db.func.count(OutboxEmail.id))) == 1


def test_a_french_partners_focal_point_is_invited_in_french(app, make_partner):
    from portal.accounts.invitations import invite

    partner, focal, _ = make_partner(name="Santé Pour Tous", acronym="SPT")
    partner.language = "fr"
    invite(focal)
    db.session.commit()
    [email] = db.session.scalars(db.select(OutboxEmail)).all()
    assert email.template == "invitation"
    assert email.subject == "Votre invitation au portail du Partner Accreditation Programme"
    assert "en tant que point focal de Santé Pour Tous" in email.body_text
    assert "pendant 72 heures" in email.body_text
    assert re.search(r"https?://\S+/set-password/\S+", email.body_text)
