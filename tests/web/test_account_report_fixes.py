"""Fixes to logging in and to progress reports, each as a reader meets it:
the login is recorded however one logs in; a deactivated account is told so
(after its right password only) and whom to ask; a monthly report is called
monthly and signed by a team, never a localhost address; "1 report", not
"1 reports"; every CSV opens in Excel with its accents."""

from __future__ import annotations

import csv
import io
from datetime import date
from html import unescape

from portal.accounts.passwords import issue_token
from portal.core.extensions import db
from portal.models import ProgressReport, User
from portal.reports import sending
from portal.reports.content import team_contact
from tests.helpers import PASSWORD, Auth, csrf_token, token_for

NEW_PASSWORD = "a-brand-new-password"


def _fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _set_password(client, token: str):
    return client.post(
        f"/set-password/{token}",
        data={
            "csrf_token": csrf_token(client, f"/set-password/{token}"),
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )


# --- "Last login: never" ----------------------------------------------------------


def test_logging_in_with_the_password_records_the_login(app, make_partner):
    _, focal, _ = make_partner()
    assert focal.last_login_at is None
    assert Auth(app.test_client()).login(focal.email).status_code == 302
    assert _fresh(focal).last_login_at is not None


def test_accepting_an_invitation_records_the_first_login(app, make_partner, make_user):
    partner, _, _ = make_partner()
    invited = make_user("new@ah.example.org", partner=partner, password=None, partner_role="editor")
    token = issue_token(invited)
    db.session.commit()
    response = _set_password(app.test_client(), token)
    assert response.status_code == 302
    assert _fresh(invited).last_login_at is not None


def test_a_reset_link_records_the_login(app, make_partner):
    _, focal, _ = make_partner()
    token = issue_token(focal)
    db.session.commit()
    assert _set_password(app.test_client(), token).status_code == 302
    assert _fresh(focal).last_login_at is not None


# --- a deactivated account ---------------------------------------------------------


def _deactivate(user: User) -> None:
    user.active = False
    db.session.commit()


def _login_page(email: str, password: str, app) -> str:
    response = Auth(app.test_client()).login(email, password)
    assert response.status_code == 422
    return unescape(response.get_data(as_text=True))


def test_a_deactivated_partner_user_is_told_to_ask_their_focal_point(app, make_partner, make_user):
    partner, focal, _ = make_partner()
    editor = make_user("editor@ah.example.org", partner=partner, partner_role="editor")
    _deactivate(editor)

    page = _login_page(editor.email, PASSWORD, app)
    assert "This account is deactivated" in page
    assert focal.name in page and focal.email in page
    assert "Email or password is incorrect." not in page
    assert _fresh(editor).last_login_at is None  # refused: no login recorded


def test_a_wrong_password_gets_the_same_answer_whether_deactivated_or_not(app, make_partner):
    _, focal, _ = make_partner()
    _deactivate(focal)
    for email in (focal.email, "nobody@example.org"):
        page = _login_page(email, "not-the-password", app)
        assert "Email or password is incorrect." in page
        assert "deactivated" not in page


def test_deactivated_staff_are_sent_to_the_programme_team(app, staff):
    app.config["TEAM_CONTACT"] = "accreditation@programme.example.org, +250 788 000 000"
    _deactivate(staff["manager"])
    page = _login_page(staff["manager"].email, PASSWORD, app)
    assert "This account is deactivated" in page
    assert "accreditation@programme.example.org" in page


# --- report defaults ----------------------------------------------------------------


def _scheduled_monthly_report(make_partner, name: str = "Santé Plus") -> ProgressReport:
    partner, _, _ = make_partner(name=name, acronym="SP")
    partner.reporting_frequency = "monthly"
    db.session.commit()
    # The 2nd of December: November's report is due.
    assert sending.send_due_reports(date(2026, 12, 2)) == 1
    return db.session.scalar(db.select(ProgressReport))


def test_a_monthly_report_is_titled_monthly(app, make_partner):
    report = _scheduled_monthly_report(make_partner)
    assert report.period == "2026-11"
    assert report.subject == (
        "[Partner Accreditation Programme] Monthly Accreditation Progress Report for Santé Plus"
    )
    assert "Quarterly" not in report.subject


def test_a_french_monthly_report_is_titled_mensuel(app, make_partner):
    partner, _, _ = make_partner(name="Santé Plus", acronym="SP")
    partner.reporting_frequency = "monthly"
    partner.language = "fr"
    db.session.commit()
    assert sending.send_due_reports(date(2026, 12, 2)) == 1
    report = db.session.scalar(db.select(ProgressReport))
    assert "Rapport mensuel" in report.subject and "trimestriel" not in report.subject
    assert "L'équipe du Partner Accreditation Programme" in report.body_text


def test_a_quarterly_report_stays_quarterly(app, make_partner):
    make_partner(name="Santé Plus", acronym="SP")
    assert sending.send_due_reports(date(2027, 1, 3)) == 1  # 2026-Q4 is due
    report = db.session.scalar(db.select(ProgressReport))
    assert report.subject.startswith(
        "[Partner Accreditation Programme] Quarterly Accreditation Progress Report for"
    )


def test_the_schedulers_report_is_signed_by_the_team_with_no_localhost(app, make_partner):
    app.config["TEAM_CONTACT"] = ""
    app.config["PROGRAMME_TEAM_EMAILS"] = []
    app.config["MAIL_DEFAULT_SENDER"] = "Partner Portal <portal@localhost>"
    assert team_contact() == ""
    report = _scheduled_monthly_report(make_partner)
    signature = report.body_text.split("Kind regards,", 1)[1]
    assert "The Partner Accreditation Programme team" in signature
    assert "Programme Manager" not in report.body_text
    assert "localhost" not in report.body_text and "localhost" not in report.body_html


def test_the_report_names_the_team_address_when_there_is_one(app, make_partner, login):
    app.config["TEAM_CONTACT"] = ""
    app.config["PROGRAMME_TEAM_EMAILS"] = ["team@programme.example.org", "ops@localhost"]
    report = _scheduled_monthly_report(make_partner)
    assert "team@programme.example.org" in report.body_text
    assert "localhost" not in report.body_text
    page = login(report.email.recipients).get(f"/organisation/reports?report={report.id}")
    text = unescape(page.get_data(as_text=True))
    assert "Sent by: The Partner Accreditation Programme team" in text
    assert "Contact: team@programme.example.org" in text and "localhost" not in text


def test_a_named_sender_signs_with_the_configured_position(app, make_partner):
    app.config["REPORT_SENDER_NAME"] = "Grace Mukamana"
    app.config["REPORT_SENDER_POSITION"] = "Programme Manager"
    report = _scheduled_monthly_report(make_partner)
    assert "Grace Mukamana\nProgramme Manager" in report.body_text


# --- "1 reports" -------------------------------------------------------------------


def test_one_report_is_counted_in_the_singular(app, make_partner, staff, login):
    _scheduled_monthly_report(make_partner)
    page = login(staff["admin"].email).get("/reports").get_data(as_text=True)
    assert '<span data-testid="report-count">1 report</span>' in page
    assert "1 reports" not in page


# --- CSV for Excel --------------------------------------------------------------------


def test_a_csv_download_starts_with_the_byte_order_mark(app, make_partner, staff, login):
    make_partner(name="Santé Plus", acronym="SP")
    staff["manager"].can_export = True
    db.session.commit()
    client = login(staff["manager"].email)
    response = client.post(
        "/export/partners",
        data={"csrf_token": token_for(client), "format": "csv", "reason": "Quarterly review"},
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert "Partner" in rows[0] and [r["Partner"] for r in rows] == ["Santé Plus"]
