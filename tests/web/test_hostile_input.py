"""Hostile input to every route and every form field, drawn by hypothesis: no
answer is a 500, a refused request leaves every table as it was, and what an
accepted request stored does not break the pages that show it afterwards.

The routes come from `app.url_map` and the forms from the pages themselves (each
form's action and fields, read from the HTML the people concerned are served),
so a new route or field is fed hostile values the day it is added. The values
are the classes that have broken web apps before: numbers no column holds,
days no calendar holds, NUL and control characters, very long text, markup,
malformed and duplicated arguments. Runs are derandomised: the same inputs
each run (a find is a reproducible failure, not a flaky one); the count of
inputs tried is printed at the end of the run."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from werkzeug.datastructures import MultiDict
from werkzeug.routing.converters import NumberConverter

import portal
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import ChangeReason, Survey
from portal.surveys.invitations import invite_after_decision
from tests.helpers import (
    TALLY,
    Side,
    first_api_token_id,
    make_prospect,
    need_item_of,
    snapshot,
    token_for,
)
from tests.obligations_world import terms_of
from tests.web.test_finance_web import assignment_id_of, change_id_of, payments_of

HOSTILE_NUMBERS = [
    "0",
    "-1",
    "2147483648",  # one past PostgreSQL's integer
    "9223372036854775808",  # one past a 64-bit integer
    "1" * 40,
    "1e9",
    "0x10",
    " 7",
    "7.5",
    "-0",
    "٣",  # a digit that is not ASCII
]
HOSTILE_DAYS = [
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2026-02-30",
    "1900-01-01",
    "31/12/2026",
    "2026-13-01",
    "-2026-01-01",
]
HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m\x07\x08",
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% for x in range(99) %}",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "\u202etxt.exe",
    "é" * 300,
    "x" * 20_000,
    "http://evil.example/",
    "//evil.example",
    "javascript:alert(1)",
]
HOSTILE = HOSTILE_NUMBERS + HOSTILE_DAYS + HOSTILE_TEXT
HOSTILE_FILES = [b"", b"\x00" * 64, b"PK\x03\x04junk", b"%PDF-1.4 truncated"]
HOSTILE_FILENAMES = ["doc.pdf", "", "\x00.pdf", "../../x.pdf", "é" * 300 + ".pdf", "a.exe"]
# What happens to each field of a form: as the page served it, hostile, left
# out, or sent twice (the second time hostile).
CHOICES = ["served", "hostile", "missing", "twice"]
hostile_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=40),
)

# Where a URL argument's well-formed value comes from (partner A's objects).
ARGUMENTS = {
    "accreditation_id": lambda a: a.accreditation.id,
    "requirement_id": lambda a: a.requirement.id,
    "submission_id": lambda a: a.submission.id,
    "partner_id": lambda a: a.partner.id,
    "email_id": lambda a: a.email.id,
    "document_id": lambda a: a.document.id,
    "user_id": lambda a: a.focal.id,
    "feed_token": lambda a: a.feed_token,
    "token": lambda a: a.token,
    "filename": lambda a: "css/portal.css",
    "template_id": lambda a: a.accreditation.template_id,
    "item_id": lambda a: a.item.id,
    "milestone_id": lambda a: a.milestone.id,
    "vault_document_id": lambda a: a.vault_document.id,
    "notification_id": lambda a: a.notification.id,
    "checkin_id": lambda a: a.checkin.id,
    "name": lambda a: "partners",  # an export's
    "reason_id": lambda a: db.session.scalar(db.select(func.min(ChangeReason.id))),
    # The feedback survey (the programme's, one for everyone: see `people`).
    "survey_id": lambda a: db.session.scalar(db.select(Survey.id).order_by(Survey.id)),
    "api_token_id": lambda a: first_api_token_id(),
    # A's prospective partner and its need check (made by the `people` fixture).
    "prospect_id": lambda a: a.prospect.id,
    "need_item_id": lambda a: need_item_of(a.prospect).id,
    "concern_id": lambda a: a.concern.id,
    "concern_event_id": lambda a: a.concern_event.id,
    "change_id": lambda a: change_id_of(a.partner),  # a bank details change waiting
    "assignment_id": lambda a: assignment_id_of(a.partner),
    "agreement_id": lambda a: terms_of(a.partner.id)[0].id,
    "obligation_id": lambda a: terms_of(a.partner.id)[1].id,
    "observation_id": lambda a: terms_of(a.partner.id)[2].id,
}
# POSTs that end the walker's own session or secret link: what they take is one
# CSRF token, tested in test_auth / test_sessions / test_calendar.
SESSION_ENDING = {"auth.logout", "calendar.reset"}
# Forms that take the walker's own way in away (a password set with A's token,
# A's login switched off, a new focal point replacing A's): their refusals are
# tested in test_auth and test_partner_people; fed valid values here, the next
# example could not log in.
# What a page records by being read (a thread opened marks it and its bell
# entries read, even when the form on it was refused): not a half-saved change.
READ_MARKS = {"message_reads", "notifications"}
TAKES_ACCESS_AWAY = {"auth.set_password", "partners.user_access", "partners.focal"}
# The pages that show what was stored: after every accepted form they must still
# answer (a year-9999 deadline broke every calendar feed that included it).
READERS = (
    "/",
    "/accreditation",
    "/calendar",
    "/partners",
    "/review",
    "/review/analytics",
    "/review/reasons",
    "/tracking",
    "/emails",
    "/notifications",
)


# Examples per test: enough to meet every class above several times (each is one
# to a dozen real requests), within what the suite's time allows on both databases.
def examples(n: int):
    return settings(
        max_examples=n,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- the routes and forms ---------------------------------------------------


def rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
        key=lambda r: r.rule,
    )


SENTINEL = {"int": 918273645, "default": "s3ntinel"}


def path_of(app, rule, a: Side, hostile: dict[str, str] | None = None) -> str:
    """The rule's URL with partner A's objects, the `hostile` arguments replaced
    by raw text (url_for would refuse what the converters refuse, so a sentinel
    the converter accepts goes in first and the text replaces it)."""
    hostile = hostile or {}
    values = {name: ARGUMENTS[name](a) for name in rule.arguments}
    for name in hostile:
        numeric = isinstance(rule._converters[name], NumberConverter)
        values[name] = SENTINEL["int" if numeric else "default"]
    with app.test_request_context():
        path = url_for(rule.endpoint, **values)
    for name, value in hostile.items():
        path = path.replace(str(values[name]), quote(value, safe=""), 1)
    return path


@dataclass
class FormSpec:
    """A form as a page serves it: where it goes and what it sends."""

    page: str
    action: str
    fields: dict[str, list[str]]  # name -> the values the page offers (first = as served)
    files: set[str]


class FormReader(HTMLParser):
    """Every POST form on a page: action (or hx-post), inputs, selects, textareas."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[FormSpec] = []
        self.current: FormSpec | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("hx-post") or attrs.get("action") or self.page
            if (attrs.get("method") or "get").lower() == "post" or attrs.get("hx-post"):
                self.current = FormSpec(self.page, action, {}, set())
            return
        if self.current is None or not attrs.get("name"):
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind == "file":
                self.current.files.add(name)
            elif kind in ("checkbox", "radio"):
                self.current.fields.setdefault(name, []).append(attrs.get("value", "on"))
            elif kind not in ("submit", "button", "reset", "image"):
                self.current.fields.setdefault(name, []).insert(0, attrs.get("value", ""))
        elif tag == "select":
            self.select = name
            self.current.fields.setdefault(name, [])
        elif tag == "option" and self.select:
            self.current.fields[self.select].append(attrs.get("value", ""))
        elif tag == "textarea":
            self.current.fields.setdefault(name, []).append("")
        elif tag == "button" and attrs.get("value") is not None:
            self.current.fields.setdefault(name, []).append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None
        elif tag == "select":
            self.select = None


def forms_on(client, page: str) -> list[FormSpec]:
    response = client.get(page)
    html = response.get_data(as_text=True) if "html" in response.content_type else ""
    response.close()  # a download streams from an open file
    if response.status_code != 200 or not html:
        return []
    reader = FormReader(page)
    reader.feed(html)
    return reader.forms


def endpoint_of(app, action: str) -> str:
    adapter = app.url_map.bind("localhost")
    return adapter.match(urlsplit(action).path, method="POST")[0]


def crawl_forms(app, client, a: Side) -> list[FormSpec]:
    """Every POST form on every page the client may GET, one per (action, fields)."""
    seen, found = set(), []
    for rule in rules(app):
        if "GET" not in rule.methods or set(rule.arguments) - set(ARGUMENTS):
            continue
        for spec in forms_on(client, path_of(app, rule, a)):
            endpoint = endpoint_of(app, spec.action)
            if endpoint in SESSION_ENDING | TAKES_ACCESS_AWAY:
                continue
            key = (urlsplit(spec.action).path, tuple(sorted(spec.fields)))
            if key not in seen:
                seen.add(key)
                found.append(spec)
    return found


# --- what the world looks like from outside ----------------------------------


READ_BY_HAND = re.compile(r'(?:args|form)\.get(?:list)?\(\s*"([a-z_]+)"')


def query_names() -> list[str]:
    """Every query-string and form name the views read by hand."""
    names = set()
    for path in Path(portal.__file__).parent.rglob("*.py"):
        names |= set(READ_BY_HAND.findall(path.read_text()))
    return sorted(names | {"next", "page", "q"})


def rows() -> dict:
    """Every row of every table but the read marks."""
    return {table: found for table, found in snapshot().items() if table not in READ_MARKS}


def refused(response) -> bool:
    return response.status_code >= 400


def assert_no_500(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"


def readers(world) -> list[str]:
    return [
        *READERS,
        f"/calendar/{world.a.feed_token}.ics",
        f"/partners/{world.a.partner.id}",
        f"/accreditations/{world.a.accreditation.id}",
    ]


def send(client, method: str, path: str, data=None, headers=None):
    response = client.open(path, method=method, data=data, headers=headers or {})
    response.get_data()
    response.close()
    return response


# --- the tests ----------------------------------------------------------------


@pytest.fixture
def people(world, make_survey):
    """Who sends the hostile requests: the administrator, who may post the most
    forms, the read-only manager, and partner A's focal point (invited to the
    feedback survey, so its answering form is served too)."""
    make_survey(world.admin)
    invite_after_decision(world.a.accreditation)
    payments_of([world.a.partner], world.admin)
    db.session.commit()
    world.a.prospect = make_prospect(world.admin, "Hostile Prospect", "prospect@example.org")
    return {
        "admin": world.admin.email,
        "manager": world.manager.email,
        "focal": world.a.focal.email,
    }


def test_hostile_path_arguments(app, world, login, people):
    """Every route's identifiers and secrets replaced by hostile text, as each person."""
    routes = [
        (rule, method)
        for rule in rules(app)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        if rule.arguments and rule.endpoint not in SESSION_ENDING
    ]
    clients = {who: login(email) for who, email in people.items()}
    tokens = {who: token_for(client) for who, client in clients.items()}

    @examples(200)
    @given(st.data())
    def attempt(data):
        rule, method = data.draw(st.sampled_from(routes), label="route")
        name = data.draw(st.sampled_from(sorted(rule.arguments)), label="argument")
        value = data.draw(hostile_values, label="value")
        who = data.draw(st.sampled_from(sorted(clients)), label="who")
        path = path_of(app, rule, world.a, {name: value})
        before = rows() if method != "GET" else None
        response = send(clients[who], method, path, {"csrf_token": tokens[who]})
        TALLY.count("path arguments")
        assert_no_500(response, f"{method} {path} as {who}")
        if before is not None and refused(response):
            assert rows() == before, f"{method} {path} refused but changed rows"

    attempt()


def test_hostile_query_strings(app, world, login, people):
    """Every page with the query arguments any view reads, hostile and repeated."""
    pages = [
        path_of(app, rule, world.a)
        for rule in rules(app)
        if "GET" in rule.methods and not set(rule.arguments) - set(ARGUMENTS)
    ]
    names = query_names()
    clients = {who: login(email) for who, email in people.items()}

    @examples(300)
    @given(st.data())
    def attempt(data):
        page = data.draw(st.sampled_from(pages), label="page")
        pairs = data.draw(
            st.lists(st.tuples(st.sampled_from(names), hostile_values), min_size=1, max_size=4),
            label="query",
        )
        who = data.draw(st.sampled_from(sorted(clients)), label="who")
        htmx = data.draw(st.booleans(), label="htmx")
        path = f"{page}?{urlencode(pairs)}"
        response = send(clients[who], "GET", path, headers={"HX-Request": "true"} if htmx else None)
        TALLY.count("query strings")
        assert_no_500(response, f"GET {path} as {who}")

    attempt()


def test_hostile_form_fields(app, world, login, people):
    """Every POST form a person is served, with hostile values in its fields (some
    left as served, some repeated, some missing), and hostile files and names."""
    clients = {who: login(email) for who, email in people.items() if who != "manager"}
    forms = {who: crawl_forms(app, client, world.a) for who, client in clients.items()}
    assert all(len(found) >= 8 for found in forms.values()), {w: len(f) for w, f in forms.items()}
    pdf = sample_pdf("Hostile")

    @examples(200)
    @given(st.data())
    def attempt(data):
        who = data.draw(st.sampled_from(sorted(forms)), label="who")
        spec = data.draw(st.sampled_from(forms[who]), label="form")
        client = login(people[who])  # a fresh session: a form may have ended the last one
        sent = MultiDict()
        for name, offered in spec.fields.items():
            if name == "csrf_token":
                continue
            choice = data.draw(st.sampled_from(CHOICES), label=name)
            if choice == "missing":
                continue
            value = offered[0] if offered else ""
            if choice == "served" and len(offered) > 1:
                value = data.draw(st.sampled_from(offered), label=f"{name} option")
            elif choice in ("hostile", "twice"):
                value = data.draw(hostile_values, label=f"{name} value")
            sent.add(name, value)
            if choice == "twice":
                sent.add(name, data.draw(hostile_values, label=f"{name} again"))
        sent.add("csrf_token", token_for(client))
        for name in spec.files:
            content = data.draw(st.sampled_from([pdf, *HOSTILE_FILES]), label=f"{name} content")
            filename = data.draw(st.sampled_from(HOSTILE_FILENAMES), label=f"{name} name")
            sent.add(name, (io.BytesIO(content), filename))
        before = rows()
        htmx = data.draw(st.booleans(), label="htmx")
        response = send(client, "POST", spec.action, sent, {"HX-Request": "true"} if htmx else None)
        TALLY.count("form fields")
        where = f"POST {spec.action} (form on {spec.page}) as {who}: {dict(sent.lists())!r:.600}"
        assert_no_500(response, where)
        if refused(response):
            assert rows() == before, f"{where} refused but changed rows"
        else:
            for page in readers(world):
                assert_no_500(send(client, "GET", page), f"GET {page} after {where}")

    attempt()
