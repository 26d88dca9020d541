"""What partners reported about their own organisation page, and the status form:
the demo's focal points can save their details as they find them, a value
stored before a rule changed does not block saving the rest, saving says so at
once (htmx or not), and the status form starts at the partner's current status."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from portal.core.extensions import db
from portal.demo import DEMO_PASSWORD
from portal.models import Contact, Partner
from portal.partners.organisation_forms import DetailsForm
from portal.partners.organisation_views import _details_form
from tests.helpers import Auth

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/organisation"}
# Was a valid-looking number once; phonenumbers says no such number exists.
NO_SUCH_NUMBER = "+234 1 555 0102"


class _Fields(HTMLParser):
    """The values a browser would send from the form with id `form_id`, as the
    page shows them (submit buttons left out: the caller says which it presses)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.values = form_id, False, MultiDict()
        self._textarea = self._select = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.values.add(attrs["name"], attrs.get("value") or "")
        elif tag == "textarea":
            self._textarea, self._text = attrs["name"], ""
        elif tag == "select":
            self._select, self._chosen, self._first_option = attrs["name"], None, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attrs.get("value", "")
            if "selected" in attrs:
                self._chosen = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea:
            # A browser drops the one newline that follows <textarea>.
            self.values.add(self._textarea, self._text.removeprefix("\n"))
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = self._chosen if self._chosen is not None else self._first_option
            self.values.add(self._select, chosen)
            self._select = None


def form_values(page: str, form_id: str = "details-form") -> MultiDict:
    reader = _Fields(form_id)
    reader.feed(page)
    return reader.values


def details_page(client) -> str:
    response = client.get("/organisation")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def save(client, values: MultiDict, headers: dict | None = None):
    values = MultiDict(values)
    values["action"] = "save"
    return client.post("/organisation", data=values, headers=headers or {})


# --- the demo's data passes the forms' own rules --------------------------------


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()


def test_every_demo_partner_s_stored_details_pass_the_details_form_unchanged(app, demo):
    partners = db.session.scalars(db.select(Partner).order_by(Partner.id)).all()
    assert any(p.contacts for p in partners)
    for partner in partners:
        if not partner.contacts:
            continue
        with app.test_request_context():
            loaded = _details_form(partner)  # what the page shows
            # Sent back as it was, checked as the page checks it, with no allowance
            # for stored values: the demo's data must pass the rules themselves.
            form = DetailsForm(formdata=MultiDict(_flat(loaded.data)), meta={"csrf": False})
            assert form.validate(), (partner.name, form.errors)


def _flat(data: dict) -> dict:
    flat = {k: v for k, v in data.items() if k != "contacts"}
    for index, contact in enumerate(data["contacts"]):
        flat |= {f"contacts-{index}-{k}": v or "" for k, v in contact.items()}
    return flat


def test_a_demo_focal_point_saves_their_details_as_they_find_them(app, demo):
    client = app.test_client()
    assert Auth(client).login("focal@ndst.example.org", DEMO_PASSWORD).status_code == 302

    response = save(client, form_values(details_page(client)))

    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Saved" in client.get(response.headers["Location"]).get_data(as_text=True)


# --- a stored value a later rule refuses -----------------------------------------


@pytest.fixture
def stale_phone(make_partner, login):
    """A partner whose focal point's stored phone the phone rule now refuses."""
    partner, focal, _ = make_partner()
    contact = partner.primary_contact
    contact.phone = NO_SUCH_NUMBER
    db.session.commit()
    return partner, contact, login(focal.email)


def test_a_stored_phone_now_invalid_does_not_stop_saving_a_changed_address(stale_phone):
    partner, contact, client = stale_phone
    values = form_values(details_page(client))
    assert values["contacts-0-phone"] == NO_SUCH_NUMBER
    values["contacts-0-address"] = "PO Box 12, Kigali"

    response = save(client, values)

    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Contact, contact.id)
    assert saved.address == "PO Box 12, Kigali"
    assert saved.phone == NO_SUCH_NUMBER  # left as the partner left it


def test_a_phone_the_partner_changes_is_still_checked(stale_phone):
    partner, contact, client = stale_phone
    values = form_values(details_page(client))
    values["contacts-0-phone"] = "+234 1 555 0199"  # no such number either

    response = save(client, values)

    assert response.status_code == 422
    assert "This phone number does not exist" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).phone == NO_SUCH_NUMBER


# --- saving says so ----------------------------------------------------------------


@pytest.fixture
def focal_client(make_partner, login):
    partner, focal, _ = make_partner()
    return partner, login(focal.email)


def test_saving_with_htmx_shows_saved_in_the_page_s_alerts_at_once(focal_client):
    partner, client = focal_client
    values = form_values(details_page(client))
    values["contacts-0-title"] = "Programme director"

    response = save(client, values, HTMX)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" not in page and 'id="details-form"' in page  # the form, swapped in place
    alerts = re.search(r'<div id="alerts"[^>]*hx-swap-oob="true">(.*?)</div></div>', page, re.S)
    assert alerts and "Saved" in alerts.group(1) and 'role="status"' in alerts.group(1)
    assert 'value="Programme director"' in page  # the form shows what is now stored
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).primary_contact.title == "Programme director"
    # Nothing waits in the session to show up again on the next page.
    assert "Saved" not in client.get("/organisation").get_data(as_text=True)


def test_saving_without_javascript_flashes_saved_on_the_next_page(focal_client):
    partner, client = focal_client
    values = form_values(details_page(client))
    values["contacts-0-title"] = "Director"

    response = save(client, values)

    assert response.status_code == 302 and response.headers["Location"] == "/organisation"
    page = client.get("/organisation").get_data(as_text=True)
    assert re.search(r'<div class="alert alert-success" role="status">Saved', page)


def test_the_french_confirmation_is_in_french(focal_client):
    partner, client = focal_client
    partner.language = "fr"
    db.session.commit()

    response = save(client, form_values(details_page(client)), HTMX)

    assert "Enregistré" in response.get_data(as_text=True)


# --- the status form ------------------------------------------------------------------


def preselected_status(page: str) -> str:
    select = re.search(r'<select[^>]*name="status-status"[^>]*>(.*?)</select>', page, re.S)
    assert select, "no status form"
    chosen = re.findall(r'<option[^>]*\bselected\b[^>]*value="([^"]+)"', select.group(1))
    chosen += re.findall(r'<option[^>]*value="([^"]+)"[^>]*\bselected\b', select.group(1))
    return chosen[0] if len(chosen) == 1 else f"{len(chosen)} selected"


@pytest.mark.parametrize("status", ["active", "on_hold", "closed"])
def test_the_status_form_preselects_the_partner_s_current_status(
    status, make_partner, staff, login
):
    partner, _, _ = make_partner()
    partner.status = status
    db.session.commit()

    page = login(staff["admin"].email).get(f"/partners/{partner.id}").get_data(as_text=True)

    assert preselected_status(page) == status
