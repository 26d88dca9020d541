"""What turns on the date turns at the programme's midnight: not the server's,
not UTC's. The programme here is in Kiritimati (UTC+14), so its midnight is
10:00 UTC and the UTC date is the same on both sides of it."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.partners.models import PartnerDocument

LAST_SECOND = time(23, 59, 59)
MIDNIGHT = time(0, 0, 0)


@pytest.fixture
def day(app, clock):
    """A day ten days from now, in a programme far east of UTC."""
    app.config["TIMEZONE"] = "Pacific/Kiritimati"
    return local_today() + timedelta(days=10)


def card(page: str, requirement) -> str:
    return re.search(rf'id="requirement-{requirement.id}".*?</article>', page, re.S)[0]


def due_label(page: str, requirement) -> str:
    return re.search(r'data-testid="due">([^<]*)<', card(page, requirement))[1]


def vault_state(page: str, document_type: str) -> str:
    row = re.search(rf'data-type="{document_type}".*?</tr>', page, re.S)[0]
    return re.search(r'data-testid="vault-state">([^<]*)<', row)[1]


def test_a_deadline_is_due_until_the_last_second_of_its_day(world, login, clock, day):
    world.a.item.due_on = day
    db.session.commit()
    clock.set(day, LAST_SECOND)
    partner = login(world.a.focal.email)  # after the clock moved: a fresh session

    page = partner.get("/accreditation").get_data(as_text=True)
    assert due_label(page, world.a.requirement) == f"Due {day:%d %b %Y}"

    clock.set(day + timedelta(days=1), MIDNIGHT)
    page = partner.get("/accreditation").get_data(as_text=True)
    assert due_label(page, world.a.requirement) == f"Overdue since {day:%d %b %Y}"


def test_a_vault_document_expires_at_the_programmes_midnight(world, login, clock, day):
    world.a.vault_document.valid_until = day
    db.session.commit()
    clock.set(day, LAST_SECOND)
    partner = login(world.a.focal.email)

    page = partner.get("/organisation/documents").get_data(as_text=True)
    assert vault_state(page, "registration_certificate") == "Expires today"

    clock.set(day + timedelta(days=1), MIDNIGHT)
    page = partner.get("/organisation/documents").get_data(as_text=True)
    assert vault_state(page, "registration_certificate") == "Expired"


def test_an_agreement_expires_at_the_programmes_midnight(world, login, clock, day):
    db.session.get(PartnerDocument, world.a.document.id).valid_until = day
    db.session.commit()
    clock.set(day, LAST_SECOND)
    manager = login(world.manager.email)
    path = f"/partners/{world.a.partner.id}"

    page = manager.get(path).get_data(as_text=True)
    assert 'data-testid="expiring">Expires in 0 days' in page and ">Expired<" not in page

    clock.set(day + timedelta(days=1), MIDNIGHT)
    page = manager.get(path).get_data(as_text=True)
    assert ">Expired<" in page and 'data-testid="expiring"' not in page
