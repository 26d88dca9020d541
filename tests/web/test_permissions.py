"""Every route, as every kind of person: walks `app.url_map`, so a route is
covered the moment it is added (an argument this test does not know fails it,
and so does a POST route with no rightful user below).

Every partner's objects carry distinctive markers (check-in location and agenda,
vault document, message, comment, report, notification, agreement, people), and
partner B's every response, as focal point, editor and viewer, with A's
identifiers in the path, the query string, the form and an HTMX request, is
searched for all of A's markers. Anonymous visitors are sent to log in; the
programme manager changes no partner record; every POST works for its rightful
user (so a route broken for everyone cannot pass as "refused")."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from flask import url_for
from pypdf import PdfReader
from werkzeug.datastructures import MultiDict

from portal.conversations.threads import post_comment, post_message
from portal.core import periods
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.mail.email_templates import save_template
from portal.models import BankDetailsChange, ChangeReason, CheckIn, Message, Partner, User
from portal.reports import sending as reports
from portal.reports.audience import Audience, ReportRequest
from portal.surveys.answers import answer
from portal.surveys.definitions import QuestionDraft, SurveyDraft, activate, create_survey
from portal.surveys.invitations import invite_after_decision
from tests.helpers import (
    Side,
    first_api_token_id,
    make_prospect,
    need_item_of,
    snapshot,
    token_for,
)
from tests.obligations_world import mark_terms, next_due_of, terms_of
from tests.web.test_checkins import _form as checkin_form
from tests.web.test_cycles import template_form as _template_form
from tests.web.test_finance_web import assignment_id_of, change_id_of, payments_of
from tests.web.test_merge_web import merge_form
from tests.web.test_partners_web import form as partner_form
from tests.web.test_reports import _form as report_form

# --- the world: every kind of object, marked with its partner's name -----------


@dataclass
class Cast:
    """One partner as the walk sees it: the world's `Side`, its other people, and
    the objects the shared world fixture does not make."""

    side: Side
    editor: User
    viewer: User
    started: CheckIn  # a check-in that has begun: notes may be recorded
    message: Message
    comment: Message
    report: object  # a sent progress report
    survey: object  # the feedback survey (the programme's, not the partner's)
    markers: list[str]
    prospect: Partner  # a prospective partner (staff's: its need check)

    def __getattr__(self, name):  # the Side's objects: cast.partner, cast.item, ...
        return getattr(self.side, name)


@dataclass
class Walk:
    admin: User
    manager: User
    a: Cast
    b: Cast


def _marked(side: Side, admin: User, make_user, survey) -> Cast:
    acronym = side.partner.acronym

    def marker(kind: str) -> str:
        return f"{acronym}-{kind}-7f3"

    side.checkin.location = f"https://meet.example.org/{marker('checkin-location')}"
    side.checkin.agenda = marker("checkin-agenda")
    side.vault_document.filename = f"{marker('vault-document')}.pdf"
    side.notification.title = marker("notification-text")
    side.document.reference = marker("agreement-reference")
    side.document.filename = f"{marker('agreement-file')}.pdf"
    side.concern.description = marker("concern-description")
    side.concern.remedy = marker("concern-remedy")
    side.concern_event.filename = f"{marker('concern-evidence')}.pdf"
    started = CheckIn(
        partner_id=side.partner.id,
        starts_at=datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2),
        location=f"https://meet.example.org/{marker('started-location')}",
        agenda=marker("started-agenda"),
        created_by_id=admin.id,
    )
    db.session.add(started)
    db.session.commit()
    editor = make_user(
        f"editor-{acronym.lower()}-7f3@example.org", partner=side.partner, partner_role="editor"
    )
    viewer = make_user(
        f"viewer-{acronym.lower()}-7f3@example.org", partner=side.partner, partner_role="viewer"
    )
    message = post_message(side.focal, side.accreditation, marker("message-body"))
    comment = post_comment(side.focal, side.submission, marker("comment-text"))
    today = local_today()
    request = ReportRequest(
        periods.quarter_of(today).key,
        Audience("one", partner_id=side.partner.id),
        intro=marker("report-intro"),
    )
    (report,) = reports.send(admin, request, today).reports
    # Everyone is invited to the survey; the focal point answered it, by name.
    invite_after_decision(side.accreditation)
    db.session.commit()
    rating, choice, text = survey.questions
    typed = {
        f"q{rating.id}": "4",
        f"q{choice.id}": "Review",
        f"q{text.id}": marker("survey-answer"),
    }
    answer(side.focal, side.accreditation, typed, False, today)
    markers = [
        *mark_terms(side.partner.id, marker),
        side.partner.name,
        side.focal.email,
        editor.email,
        viewer.email,
        side.filename,  # the submitted document
        *(
            marker(kind)
            for kind in (
                "checkin-location",
                "checkin-agenda",
                "started-location",
                "started-agenda",
                "vault-document",
                "notification-text",
                "agreement-reference",
                "agreement-file",
                "message-body",
                "comment-text",
                "report-intro",
                "survey-answer",
                "concern-description",
                "concern-remedy",
                "concern-evidence",
            )
        ),
    ]
    prospect = make_prospect(
        admin, f"{side.partner.name} Prospect", f"prospect-{acronym.lower()}@example.org"
    )
    return Cast(side, editor, viewer, started, message, comment, report, survey, markers, prospect)


def _survey(admin: User):
    questions = [
        QuestionDraft("How clear were the requirements?", "rating"),
        QuestionDraft("Which stage was hardest?", "choice", True, ["Documents", "Review"]),
        QuestionDraft("What should we change?", "text", required=False),
    ]
    survey = create_survey(admin, SurveyDraft("Walked survey", "", True, questions))
    return activate(admin, survey)


@pytest.fixture
def walk(world, make_user) -> Walk:
    survey = _survey(world.admin)
    payments_of([world.a.partner, world.b.partner], world.admin)
    a = _marked(world.a, world.admin, make_user, survey)
    b = _marked(world.b, world.admin, make_user, survey)
    return Walk(world.admin, world.manager, a, b)


# --- the routes ----------------------------------------------------------------

# Where each URL argument comes from.
ARGUMENTS = {
    "accreditation_id": lambda s: s.accreditation.id,
    "requirement_id": lambda s: s.requirement.id,
    "submission_id": lambda s: s.submission.id,
    "partner_id": lambda s: s.partner.id,
    "email_id": lambda s: s.email.id,
    "document_id": lambda s: s.document.id,
    "user_id": lambda s: s.focal.id,
    "feed_token": lambda s: s.feed_token,
    "token": lambda s: s.token,
    "filename": lambda s: "css/portal.css",
    "template_id": lambda s: s.accreditation.template_id,
    "item_id": lambda s: s.item.id,
    "milestone_id": lambda s: s.milestone.id,
    "vault_document_id": lambda s: s.vault_document.id,
    "notification_id": lambda s: s.notification.id,
    "checkin_id": lambda s: s.checkin.id,
    "survey_id": lambda s: s.survey.id,
    "name": lambda s: "partners",  # an export: the programme's, not a partner's
    "reason_id": lambda s: first_reason().id,  # the programme's list, not a partner's
    "api_token_id": lambda s: first_api_token_id(),
    "prospect_id": lambda s: s.prospect.id,
    "need_item_id": lambda s: need_item_of(s.prospect).id,
    "concern_id": lambda s: s.concern.id,
    "concern_event_id": lambda s: s.concern_event.id,
    "change_id": lambda s: change_id_of(s.partner),  # a bank details change
    "assignment_id": lambda s: assignment_id_of(s.partner),  # a data-set assignment
    "agreement_id": lambda s: terms_of(s.partner.id)[0].id,
    "obligation_id": lambda s: terms_of(s.partner.id)[1].id,
    "observation_id": lambda s: terms_of(s.partner.id)[2].id,
}
# Arguments that name something belonging to one partner. (Requirements belong to
# the template both partners share: not a partner's.)
OWNED = {
    "accreditation_id",
    "submission_id",
    "partner_id",
    "email_id",
    "document_id",
    "user_id",
    "item_id",
    "milestone_id",
    "vault_document_id",
    "notification_id",
    "checkin_id",
    "prospect_id",
    "need_item_id",
    "concern_id",
    "concern_event_id",
    "change_id",
    "assignment_id",
    "agreement_id",
    "obligation_id",
    "observation_id",
}
# A URL naming one partner's parent object and a child that must belong to it.
MIXED = {
    ("accreditation_id", "item_id"),
    ("accreditation_id", "milestone_id"),
    ("partner_id", "document_id"),
    ("partner_id", "user_id"),
    ("prospect_id", "need_item_id"),
    ("partner_id", "change_id"),
    ("partner_id", "assignment_id"),
    ("obligation_id", "observation_id"),
}
# Open without logging in (the calendar feed: its secret URL is the permission; the
# language switcher: a choice about the visitor's own pages).
PUBLIC = {"auth.login", "auth.forgot_password", "auth.set_password", "static", "calendar.ics"}
PUBLIC |= {"auth.choose_language"}
# The API (portal/api): its token is the permission, a session is never one, so every
# person (and nobody) is answered 401 in JSON there; its document is open to all.
API_DOCUMENT = "api.openapi"


def bearer_only(endpoint: str) -> bool:
    return endpoint.startswith("api.") and endpoint != API_DOCUMENT


def assert_bearer_only(where: str, response) -> None:
    assert response.status_code == 401, f"{where}: {response.status_code}"
    assert response.mimetype == "application/json", where
    assert response.headers["WWW-Authenticate"].startswith("Bearer"), where


# POSTs about the walker's own session: logging in and out and setting a password
# are tested in tests/web/test_auth.py (the walk needs its sessions to stay), asking
# for a new password in tests/web/test_login_throttle.py, the language in
# tests/web/test_languages.py.
SESSION_POSTS = {"auth.logout", "auth.login", "auth.set_password", "auth.forgot_password"}
SESSION_POSTS |= {"auth.choose_language"}
# What a programme manager may change: review decisions, never partner records.
# (Managers talk to partners, assign reviews, send reminders and hold check-ins;
# templates, deadlines, waivers, decisions and the vault are administrators'.)
MANAGER_MAY_POST = {
    "review.decide",
    "review.assign",
    "conversations.thread",
    "conversations.comment",
    "notifications.read",
    "notifications.read_all",
    "tracking.bulk",
    "checkins.new",
    "checkins.record",
    "checkins.cancel",
    "kpis.assess",  # a judgement of how the partner took part, not a partner record
    "calendar.reset",  # their own calendar link
    "settings.notifications",  # their own notification preferences
    "concerns.raise_about",  # raising and answering a concern is not editing a record
    "concerns.answer",
}


def routes(app):
    """(endpoint, method, arguments) for every rule."""
    return [
        (rule.endpoint, method, rule.arguments)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def build(app, endpoint: str, arguments, side, **override) -> str:
    unknown = set(arguments) - set(ARGUMENTS)
    assert not unknown, (
        f"{endpoint} takes {sorted(unknown)}: teach tests/web/test_permissions.py "
        "which of a partner's objects to put there"
    )
    values = {name: ARGUMENTS[name](side) for name in arguments} | override
    with app.test_request_context():
        return url_for(endpoint, **values)


def a_identifiers(a: Cast) -> dict:
    """A's identifiers under every name a query string or form uses for one."""
    return {
        "accreditation": a.accreditation.id,
        "accreditation_id": a.accreditation.id,
        "item": a.item.id,
        "items": a.item.id,
        "submission": a.submission.id,
        "submissions": a.submission.id,
        "report": a.report.id,
        "partner": a.partner.id,
        "partner_id": a.partner.id,
        "survivor_id": a.partner.id,
        "other_id": a.partner.id,
        "checkin": a.checkin.id,
        "done": a.started.id,
        "notification": a.notification.id,
        "up_to": a.notification.id,
        "document": a.document.id,
        "vault_document": a.vault_document.id,
        "user": a.focal.id,
        "user_id": a.focal.id,
        "reviewer_id": a.focal.id,
        "ids": a.item.id,
        "concern": a.concern.id,
    }


def form_data(token: str, **more) -> dict:
    """A form that would pass validation on many of the portal's POST routes, so a
    refusal is about who asks, not about what they sent."""
    return {
        "csrf_token": token,
        "file": (io.BytesIO(sample_pdf("Walker")), "walker.pdf"),
        "decision": "approve",
        "feedback": "Looks right.",
        "body": "Walker was here.",
        "name": "Zulu Outreach",
        "acronym": "ZO",
        "focal_name": "Zed Zulu",
        "focal_email": "zed@zulu.example.org",
        "password": "a-long-enough-password",
        "confirm": "a-long-enough-password",
    } | more


def rows_of(cast: Cast) -> dict:
    """Every row that is one partner's: found by the columns that tie a row to a
    partner, its accreditations, its people or its submissions."""
    db.session.expire_all()
    users = set(db.session.scalars(db.select(User.id).filter_by(partner_id=cast.partner.id)))
    owners = {
        "partner_id": {cast.partner.id},
        "accreditation_id": {cast.accreditation.id},
        "user_id": users,
        "submission_id": {cast.submission.id},
    }
    found = {}
    for table in db.metadata.sorted_tables:
        if table.name == "partners":
            condition = table.c.id == cast.partner.id
        elif table.name == "accreditations":
            condition = table.c.partner_id == cast.partner.id
        else:
            key = next((c for c in owners if c in table.c), None)
            if key is None:
                continue
            condition = table.c[key].in_(owners[key])
        query = db.select(table).where(condition).order_by(*table.primary_key.columns)
        found[table.name] = db.session.execute(query).all()
    return found


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def request(client, method: str, path: str, data=None, headers=None):
    """The response and what it says (a PDF's text, read), read and closed."""
    if method == "GET":
        response = client.get(path, headers=headers)
    else:
        response = client.open(path, method=method, data=data, headers=headers)
    body = response.get_data()
    response.close()
    if response.request.input_stream:
        response.request.input_stream.close()
    text = pdf_text(body) if response.mimetype == "application/pdf" else body.decode("latin-1")
    return response, text


def assert_hides(where: str, response, text: str, a: Cast) -> None:
    for marker in a.markers:
        assert marker not in text, f"{where} shows {marker!r}"
        assert marker not in response.headers.get("Content-Disposition", ""), where
        assert marker not in response.headers.get("Location", ""), where


HTMX = {"HX-Request": "true"}


# --- the walks -----------------------------------------------------------------


def test_every_route_is_walked(app):
    """The walk below covers the routes the core loop has, and more as they come;
    every POST route has a rightful user in POSTS (or is a session's, tested in
    test_auth)."""
    endpoints = {endpoint for endpoint, _, _ in routes(app)}
    assert {
        "accreditation.show",
        "accreditation.upload",
        "accreditation.download",
        "review.decide",
        "partners.new",
        "partners.show",
        "emails.read",
    } <= endpoints
    posts = {endpoint for endpoint, method, _ in routes(app) if method == "POST"}
    missing = posts - set(POSTS) - SESSION_POSTS
    assert not missing, f"say who may POST to {sorted(missing)} in POSTS"
    assert not set(POSTS) - posts, "POSTS names routes that are gone"


def test_anonymous_visitors_are_sent_to_log_in(app, walk, login):
    client = login(None)
    token = token_for(client, logged_in=False)
    before = snapshot()
    for endpoint, method, arguments in routes(app):
        path = build(app, endpoint, arguments, walk.a)
        if endpoint in PUBLIC | {API_DOCUMENT}:
            if method == "GET":  # their forms are tested in test_auth
                assert request(client, method, path)[0].status_code == 200, path
            continue
        response, text = request(client, method, path, form_data(token))
        if bearer_only(endpoint):
            assert_bearer_only(f"{method} {path}", response)
            assert_hides(f"{method} {path} anonymously", response, text, walk.a)
            continue
        assert response.status_code == 302, f"{method} {path}: {response.status_code}"
        assert response.location.startswith("/login?next="), f"{method} {path}"
        assert_hides(f"{method} {path} anonymously", response, text, walk.a)
    assert snapshot() == before


B_PEOPLE = ["focal", "editor", "viewer"]


def _person(cast: Cast, who: str) -> User:
    return cast.focal if who == "focal" else getattr(cast, who)


@pytest.mark.parametrize("who", B_PEOPLE)
def test_partner_b_never_reads_or_changes_partner_a(app, walk, login, who):
    """B's focal point, editor and viewer, on every route with A's identifiers in
    the path, and on their own routes with A's in the query string and the form,
    as pages and as HTMX fragments: refused, and none of A's markers shown."""
    a, b = walk.a, walk.b
    client = login(_person(b, who).email)
    token = token_for(client)
    before = rows_of(a)
    theirs = a_identifiers(a)
    walked = 0
    for endpoint, method, arguments in routes(app):
        if endpoint in PUBLIC or (method == "POST" and endpoint in SESSION_POSTS):
            continue
        for headers in ({}, HTMX):
            path = build(app, endpoint, arguments, a)
            where = f"{method} {path} as B's {who} {headers}"
            response, text = request(client, method, path, form_data(token, **theirs), headers)
            if bearer_only(endpoint):
                assert_bearer_only(where, response)
            elif OWNED & set(arguments):
                assert response.status_code in (403, 404), f"{where}: {response.status_code}"
            else:
                # B's own pages: they may answer, or refuse B's walker form (422).
                assert response.status_code in (200, 302, 403, 422), f"{where}"
            assert_hides(where, response, text, a)
            # B's own objects in the path, A's in the query string (and form).
            own = build(app, endpoint, arguments, b, **theirs)
            response, text = request(client, method, own, form_data(token, **theirs), headers)
            assert response.status_code != 500, own
            assert_hides(f"{method} {own} as B's {who}", response, text, a)
            walked += 1
    assert walked > 100
    assert rows_of(a) == before


def test_partner_b_sees_each_kind_of_their_own_objects(app, walk, login):
    """The other side of the walk: the pages B walked show B's own markers, every
    kind of them, so A's markers' absence means something."""
    a, b = walk.a, walk.b
    client = login(b.focal.email)
    seen = ""
    for endpoint, method, arguments in routes(app):
        if method != "GET" or endpoint == "static":
            continue
        for query in ({}, {"report": b.report.id}, {"checkin_id": b.started.id}):
            path = build(app, endpoint, arguments, b, **query)
            response, text = request(client, "GET", path)
            assert_hides(f"GET {path} as B", response, text, a)
            if response.status_code == 200:
                seen += text + response.headers.get("Content-Disposition", "")
    # Agreements' references are the programme's bookkeeping: partners get the file.
    missing = [m for m in b.markers if m not in seen and "agreement-reference" not in m]
    assert not missing, f"B's pages never show {missing}"


def test_mixed_identifiers_are_refused(app, walk, login):
    """B's accreditation (or partner) with A's item, milestone, agreement or person."""
    a, b = walk.a, walk.b
    client = login(b.focal.email)
    token = token_for(client)
    staff = login(walk.admin.email)
    staff_token = token_for(staff)
    before = snapshot()
    mixed = 0
    for endpoint, method, arguments in routes(app):
        for parent, child in MIXED:
            if {parent, child} <= set(arguments):
                path = build(app, endpoint, arguments, b, **{child: ARGUMENTS[child](a)})
                for who, asker, key in (("B", client, token), ("admin", staff, staff_token)):
                    response, text = request(
                        client if who == "B" else asker, method, path, form_data(key)
                    )
                    # B may be refused the route outright; the admin is told "not found".
                    allowed = (403, 404) if who == "B" else (404,)
                    assert response.status_code in allowed, f"{method} {path} as {who}"
                    if who == "B":
                        assert_hides(f"{method} {path}", response, text, a)
                mixed += 1
    assert mixed >= 8
    assert snapshot() == before


def test_partner_a_reaches_their_own_objects(app, walk, login):
    """The same URLs work for their owner."""
    client = login(walk.a.focal.email)
    for endpoint in (
        "accreditation.mine",
        "accreditation.show",
        "accreditation.download",
        "partners.agreement_file",
        "vault.file",
        "checkins.show",
        "checkins.invitation",
        "conversations.thread",
        "concerns.show",
        "concerns.evidence",
    ):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        path = build(app, endpoint, rule.arguments, walk.a)
        assert request(client, "GET", path)[0].status_code == 200, endpoint
    page = client.get("/accreditation").get_data(as_text=True)
    assert walk.a.partner.name in page and walk.a.requirement.name in page
    report = f"/organisation/reports/pdf?report={walk.a.report.id}"
    response, text = request(client, "GET", report)
    assert response.status_code == 200 and "AHI-report-intro-7f3" in text


def test_partners_may_not_use_staff_pages(app, walk, login):
    client = login(walk.a.focal.email)
    for path in ("/review", "/partners", "/partners/new", "/emails"):
        assert client.get(path).status_code == 403, path


def test_the_manager_sees_every_staff_page_without_edit_controls(app, walk, login):
    client = login(walk.manager.email)
    for endpoint, method, arguments in routes(app):
        if method != "GET" or endpoint in PUBLIC:
            continue
        path = build(app, endpoint, arguments, walk.a)
        response, _ = request(client, "GET", path)
        if bearer_only(endpoint):
            assert_bearer_only(f"GET {path} as the manager", response)
            continue
        assert response.status_code in (200, 302, 403), f"GET {path}: {response.status_code}"
    listing = client.get("/partners").get_data(as_text=True)
    assert walk.a.partner.name in listing
    assert "Add partner" not in listing
    record = client.get(f"/partners/{walk.a.partner.id}").get_data(as_text=True)
    assert walk.a.partner.name in record
    for control in ("/edit", "Change status", "Mark reviewed"):
        assert control not in record, control


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_staff_get_every_page(app, walk, login, who):
    """No page errors for the people who see the most (the admin may export too)."""
    if who == "admin":
        _may_export(walk)
    client = login(getattr(walk, who).email)
    for endpoint, method, arguments in routes(app):
        if method != "GET" or endpoint in PUBLIC:
            continue
        path = build(app, endpoint, arguments, walk.a)
        response, html = request(client, "GET", path)
        if bearer_only(endpoint):
            assert_bearer_only(f"GET {path} as {who}", response)
            continue
        # Managers read everything; the admin-only forms answer them 403.
        allowed = (200, 302) if who == "admin" else (200, 302, 403)
        assert response.status_code in allowed, f"GET {path} as {who}"
        assert not re.search(r"Traceback|jinja2\.exceptions", html), path


# --- every POST works for its rightful user ----------------------------------------


class _Form(HTMLParser):
    """The fields of the page's form that posts to `action`, as a browser sends them."""

    def __init__(self, action: str, page: str):
        super().__init__()
        self.action, self.page, self.inside, self.fields = action, page, False, MultiDict()
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            posts_to = attrs.get("action") or self.page  # no action: the page itself
            self.inside = posts_to.split("?")[0] == self.action.split("?")[0]
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file", "button"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.add(name, attrs.get("value", "y"))
            else:
                self.fields.add(name, attrs.get("value") or "")
        elif tag == "select" and name:
            self.select, self.options = name, []
        elif tag == "option" and self.select:
            self.options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields.add(name, "")

    def handle_data(self, data):
        if self.textarea:
            self.fields.setlist(self.textarea, [self.fields[self.textarea] + data])

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select:
            chosen = [v for v, selected in self.options if selected] or [self.options[0][0]]
            self.fields.add(self.select, chosen[0])
            self.select = None


def page_form(client, page: str, target: str, **changes) -> MultiDict:
    """What the form on `page` posting to `target` sends, with `changes`."""
    parser = _Form(target, page)
    parser.feed(client.get(page).get_data(as_text=True))
    assert parser.fields, f"no form posting to {target} on {page}"
    for name, value in changes.items():
        parser.fields.setlist(name, value if isinstance(value, list) else [value])
    return parser.fields


def later(days: int) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


def pdf(name: str = "walked.pdf"):
    return (io.BytesIO(sample_pdf(name)), name)


@dataclass
class Post:
    """Who may POST to a route, with what; and who of A's own people may not."""

    who: str  # admin, manager, or A's focal, editor or viewer
    data: object = lambda w, client, path: {}
    refused: tuple = ()
    args: object = lambda w: {}  # URL arguments other than the walk's
    query: object = lambda w: {}
    setup: object = lambda w: None
    refusal: tuple = (403, 404)  # how the others are answered (nothing changes)


def _failed_email(w: Walk) -> None:
    email = w.a.email
    email.status, email.attempts, email.last_error = "failed", 5, "550 mailbox unavailable"
    db.session.commit()


def _accredited(w: Walk) -> None:
    w.a.accreditation.decision = "accredited"
    w.a.accreditation.valid_until = local_today() + timedelta(days=30)
    db.session.commit()


def _decided(w: Walk) -> None:
    w.a.accreditation.decision = "not_accredited"
    db.session.commit()


def _saved_template(w: Walk) -> None:
    save_template(w.admin, "report", "en", "Mine {{ partner_name }}", "Hello")


def _may_export(w: Walk) -> None:
    w.admin.can_export = True
    db.session.commit()


def first_reason() -> ChangeReason:
    """The first reason for sending back on the list (the walk's reason_id)."""
    return db.session.scalar(
        db.select(ChangeReason).order_by(ChangeReason.position, ChangeReason.id).limit(1)
    )


def _retired_reason(w: Walk) -> None:
    first_reason().retired_at = datetime.now(UTC)
    db.session.commit()


def _no_pending_bank_change(w: Walk) -> None:
    for change in db.session.scalars(db.select(BankDetailsChange).filter_by(status="pending")):
        change.status = "cancelled"
    db.session.commit()


def _bank_change_of_the_admin(w: Walk) -> None:
    change = db.session.get(BankDetailsChange, change_id_of(w.a.partner))
    change.proposed_by_id = w.admin.id
    db.session.commit()


BANK_FORM = {
    "holder": "Alpha Health Initiative",
    "bank": "Barclays",
    "account_number": "GB82 WEST 1234 5698 7654 32",
    "currency": "GBP",
    "reason": "The partner's letter.",
}


def template_form() -> dict:
    return _template_form("")


TEMPLATE = {"key": "report", "language": "en"}
CONCERN = {"category": "payment", "description": "Paid late.", "remedy": "Pay on time."}
REVIEW_NOTE = {"note": "Reviewed with the focal point."}

POSTS = {
    "api_tokens.new": Post(
        "admin", lambda w, c, p: {"name": "Power BI – walk", "scopes": ["partners", "milestones"]}
    ),
    "api_tokens.revoke": Post("admin"),
    "assignments.new": Post(
        "admin",
        lambda w, c, p: {"data_set": "BfMAe6Itzgt", "purpose": "paid_on", "starts_on": later(0)},
    ),
    "assignments.end": Post("admin", lambda w, c, p: {"ends_on": later(0), "reason": "Ended."}),
    "assignments.expand": Post(
        "admin",
        lambda w, c, p: {
            "data_sets": "BfMAe6Itzgt",
            "purpose": "both",
            "starts_on": later(0),
            "reason": "New grant.",
            "action": "save",
        },
    ),
    "finance.propose": Post("admin", lambda w, c, p: BANK_FORM, setup=_no_pending_bank_change),
    "finance.confirm": Post("admin"),  # the change waits for him: another admin proposed it
    "finance.cancel": Post("admin", setup=_bank_change_of_the_admin),
    "finance.reveal_account": Post("admin"),
    "finance.reveal_change": Post("admin"),
    "accreditation_templates.new": Post("admin", lambda w, c, p: template_form()),
    "accreditation_templates.edit": Post(
        "admin", lambda w, c, p: page_form(c, p, p, name="Renamed template", **{"action": "save"})
    ),
    "accreditation_templates.translate": Post(
        "admin",
        lambda w, c, p: page_form(
            c, p.rsplit("/", 1)[0], p, **{"stages-0-name": "Dépôt des documents"}
        ),
    ),
    "accreditation.decide": Post(
        "admin", lambda w, c, p: {"decision": "not_accredited", "note": "Not yet."}
    ),
    "accreditation.move_deadline": Post(
        "admin", lambda w, c, p: {"due_on": later(90), "reason": "Office closed."}
    ),
    "accreditation.not_applicable": Post(
        "admin", lambda w, c, p: {"reason": "Not VAT-registered."}
    ),
    "accreditation.move_milestone": Post(
        "admin", lambda w, c, p: {"due_on": later(90), "reason": "Board meets later."}
    ),
    "accreditation.renew": Post("admin", setup=_accredited),
    "accreditation.open_cycle": Post(
        "admin",
        lambda w, c, p: {"template_id": w.a.accreditation.template_id, "started_on": later(1)},
        setup=_decided,
    ),
    "accreditation.upload": Post("editor", lambda w, c, p: {"file": pdf()}, refused=("viewer",)),
    "accreditation.withdraw": Post("focal", refused=("viewer",)),
    "conversations.thread": Post("editor", lambda w, c, p: {"body": "Ours."}, refused=("viewer",)),
    "conversations.comment": Post("editor", lambda w, c, p: {"body": "Ours."}, refused=("viewer",)),
    "tracking.bulk": Post(
        "manager", lambda w, c, p: {"action": "remind", "items": str(w.a.item.id)}
    ),
    "calendar.reset": Post("focal"),
    "checkins.new": Post("manager", lambda w, c, p: checkin_form("")),
    "concerns.raise_mine": Post("editor", lambda w, c, p: CONCERN, refused=("viewer",)),
    "concerns.raise_about": Post("manager", lambda w, c, p: CONCERN),
    "concerns.step": Post(
        "admin",
        lambda w, c, p: {"action": "acknowledge", "text": "Received."},
        refused=("focal", "editor", "viewer"),
    ),
    "concerns.respond": Post(
        "editor", lambda w, c, p: {"action": "withdraw", "text": "Sorted."}, refused=("viewer",)
    ),
    "concerns.answer": Post("editor", lambda w, c, p: {"text": "More."}, refused=("viewer",)),
    "checkins.cancel": Post("manager", lambda w, c, p: {"reason": "Ill."}),
    "checkins.record": Post(
        "manager",
        lambda w, c, p: {"notes": "Went through the documents."},
        args=lambda w: {"checkin_id": w.a.started.id},
    ),
    "email_templates.save": Post(
        "admin",
        lambda w, c, p: {"subject": "Rapport {{ partner_name }}", "body": "Hello", "note": ""},
        query=lambda w: TEMPLATE,
    ),
    "email_templates.restore": Post(
        "admin", query=lambda w: TEMPLATE | {"version": "default"}, setup=_saved_template
    ),
    "emails.retry": Post("admin", setup=_failed_email),
    "emails.retry_failed": Post("admin", setup=_failed_email),
    "exports.start": Post(
        "admin", lambda w, c, p: {"format": "csv", "reason": "Walked."}, setup=_may_export
    ),
    "kpis.benchmarks_page": Post(
        "admin", lambda w, c, p: {"kpi": "on_time", "on_time-target": "85", "on_time-warning": "70"}
    ),
    "kpis.assess": Post(
        "manager",
        lambda w, c, p: {
            "stage": str(w.a.accreditation.id),
            "engagement": "4",
            "proactivity": "3",
            "note": "Walked.",
        },
    ),
    "notifications.read": Post("focal"),
    "notifications.read_all": Post("focal", lambda w, c, p: page_form(c, "/notifications", p)),
    "settings.notifications": Post("focal", lambda w, c, p: page_form(c, p, p, delivery="digest")),
    "organisation.details": Post(
        "focal",
        lambda w, c, p: page_form(c, p, p, language="fr"),
        refused=("editor", "viewer"),
        refusal=(200,),  # they are shown the details, read-only
    ),
    "organisation.people": Post(
        "focal",
        lambda w, c, p: {"name": "Nia New", "email": "nia@ahi.example.org", "role": "editor"},
        refused=("editor", "viewer"),
    ),
    "organisation.access": Post(
        "focal",
        lambda w, c, p: {"active": "0"},
        refused=("editor", "viewer"),
        args=lambda w: {"user_id": w.a.viewer.id},
    ),
    "vault.mine": Post(
        "editor",
        lambda w, c, p: {
            "document_type": "tax_clearance",
            "valid_until": later(200),
            "file": pdf(),
        },
        refused=("viewer",),
    ),
    "vault.partner": Post(
        "admin",
        lambda w, c, p: {
            "document_type": "tax_clearance",
            "valid_until": later(200),
            "file": pdf(),
        },
    ),
    "obligations.new_agreement": Post(
        "admin", lambda w, c, p: {"title": "Walked agreement", "starts_on": later(0)}
    ),
    "obligations.new_obligation": Post(
        "admin",
        lambda w, c, p: {
            "side": "partner",
            "description": "Walked obligation",
            "recurrence": "quarterly",
            "first_due_on": later(30),
            "observed_by": "confirmation",
        },
    ),
    "obligations.edit_obligation": Post(
        "admin",
        lambda w, c, p: page_form(c, p, p, description="Walked change", reason="Walked."),
    ),
    "obligations.observe": Post(
        "editor",
        lambda w, c, p: {"due_on": next_due_of(w.a.partner.id), "note": "Sent.", "file": pdf()},
        refused=("viewer",),
    ),
    "vault.reject": Post("admin", lambda w, c, p: {"reason": "Unreadable scan."}),
    "partners.add_agreement": Post(
        "admin",
        lambda w, c, p: {
            "kind": "mou",
            "reference": "MOU-2",
            "valid_from": later(0),
            "file": pdf(),
        },
    ),
    "partners.edit": Post(
        "admin",
        lambda w, c, p: page_form(
            c, p, p, scope_of_work="Walked.", reason="Walk", **{"action": "save"}
        ),
    ),
    "partners.focal": Post(
        "admin",
        lambda w, c, p: {"name": "Fay Focal", "email": "fay@ahi.example.org", "reason": "Left."},
    ),
    "partners.review": Post("admin", lambda w, c, p: REVIEW_NOTE),
    "partners.status": Post(
        "admin",
        lambda w, c, p: {
            "status-status": "on_hold",
            "status-effective_on": later(0),
            "status-reason": "Audit pending.",
        },
    ),
    "partnerships.programme_exit": Post(
        "admin",
        lambda w, c, p: {
            "reason": "Walked out.",
            "effective_on": later(0),
            "note": "Closed by the walk.",
            "confirm": "y",
        },
    ),
    "partnerships.add_item": Post(
        "admin", lambda w, c, p: {"section": "benefit", "text": "Walked benefit", "tested": "y"}
    ),
    "partnerships.set_tested": Post("admin", lambda w, c, p: {"tested": "0"}),
    "partnerships.remove_item": Post("admin"),
    "partnerships.save_research": Post("admin", lambda w, c, p: {"note": "Walked research."}),
    "partnerships.decide": Post("admin", lambda w, c, p: {"decision": "go", "reason": "Walked."}),
    "partners.user_access": Post(
        "admin", lambda w, c, p: {"active": "0"}, args=lambda w: {"user_id": w.a.viewer.id}
    ),
    "partners.merge": Post("admin", lambda w, c, p: merge_form("", w.a.partner, w.b.partner)),
    "partners.new": Post("admin", lambda w, c, p: partner_form("", action="save")),
    "reports.send": Post("admin", lambda w, c, p: report_form("", w.a.partner.id, confirm="y")),
    "review.decide": Post("manager", lambda w, c, p: {"decision": "approve"}),
    "review.reasons": Post("admin", lambda w, c, p: {"label": "Stamp missing"}),
    "review.rename_reason": Post("admin", lambda w, c, p: {"label": "Incomplete file"}),
    "review.move_reason": Post("admin", lambda w, c, p: {"direction": "down"}),
    "review.retire_reason": Post("admin"),
    "review.restore_reason": Post("admin", setup=_retired_reason),
    "review.assign": Post("manager", lambda w, c, p: {"reviewer_id": str(w.manager.id)}),
    "surveys.new": Post(
        "admin",
        lambda w, c, p: {
            "name": "Walked feedback",
            "questions-0-prompt": "Was it clear?",
            "questions-0-kind": "rating",
            "questions-0-required": "y",
        },
    ),
    "surveys.edit": Post(
        "admin", lambda w, c, p: page_form(c, p, p, name="Renamed survey", action="save")
    ),
    "surveys.set_active": Post("admin", lambda w, c, p: {"active": "0"}),
    "surveys.translate": Post(
        "admin", lambda w, c, p: page_form(c, p, p, **_survey_translation(w))
    ),
    # The editor was invited and has not answered yet (the focal point has).
    "surveys.answer": Post("editor", lambda w, c, p: page_form(c, p, p, **_survey_answers(w))),
}


def _survey_answers(w: Walk) -> dict:
    rating, choice, _ = w.a.survey.questions
    return {f"q{rating.id}": "5", f"q{choice.id}": "Documents"}


def _survey_translation(w: Walk) -> dict:
    return {f"q{w.a.survey.questions[0].id}_prompt": "Était-ce clair ?"}


def _user(w: Walk, who: str) -> User:
    return {"admin": w.admin, "manager": w.manager, "focal": w.a.focal}.get(who) or getattr(
        w.a, who
    )


def _post(app, w: Walk, login, endpoint: str, who: str):
    """(path, response, text, changed): the route's form posted as `who`."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    spec = POSTS[endpoint]
    path = build(app, endpoint, rule.arguments, w.a, **spec.args(w))
    query = spec.query(w)
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    # The form as the rightful user's page has it (others may be shown no form).
    data = spec.data(w, login(_user(w, spec.who).email), path)
    client = login((w.b.focal if who == "B" else _user(w, who)).email)
    if isinstance(data, MultiDict):
        data.setlist("csrf_token", [token_for(client)])
    else:
        data = data | {"csrf_token": token_for(client)}
    before = snapshot()  # after logging in: a login changes rows of its own
    response, text = request(client, "POST", path, data)
    return path, response, text, snapshot() != before


@pytest.mark.parametrize("endpoint", sorted(POSTS))
def test_every_post_works_for_its_rightful_user_only(app, walk, login, endpoint):
    """Each POST, with a form that its rightful user gets through: refused (and
    nothing changed) for B, for the manager where partner records are concerned,
    and for A's own people whose role may not; then it works for the rightful user."""
    spec = POSTS[endpoint]
    spec.setup(walk)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    askers = list(spec.refused)
    if OWNED & set(rule.arguments):
        askers.append("B")
    if endpoint not in MANAGER_MAY_POST and spec.who != "manager":
        askers.append("manager")
    for who in askers:
        path, response, text, changed = _post(app, walk, login, endpoint, who)
        refusal = spec.refusal if who in spec.refused else (403, 404)
        assert response.status_code in refusal, f"{path} as {who}: {response.status_code}"
        assert not changed, f"{path} as {who} changed something"
        if who == "B":
            assert_hides(f"POST {path} as B", response, text, walk.a)
        elif "GET" in rule.methods and refusal == (403, 404):  # nor offered the form
            parser = _Form(path, path)
            parser.feed(login(_user(walk, who).email).get(path).get_data(as_text=True))
            assert not parser.fields, f"{who} is offered the form of {path}"
    path, response, text, changed = _post(app, walk, login, endpoint, spec.who)
    assert response.status_code in (200, 302, 303), (
        f"{path} as {spec.who}: {response.status_code} {text[:3000]}"
    )
    assert changed, f"{path} as {spec.who} changed nothing"
