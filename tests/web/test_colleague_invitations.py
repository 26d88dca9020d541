"""A focal point inviting a colleague learns nothing about addresses that have
a login elsewhere: the answer is the one a new address gets, and the other
login is left exactly as it was."""

from __future__ import annotations

import re

from portal.core.extensions import db
from portal.models import User
from tests.helpers import PASSWORD, Auth, csrf_token


def invite(client, email: str):
    token = csrf_token(client, "/organisation/people")
    return client.post(
        "/organisation/people",
        data={"name": "Eve Field", "email": email, "role": "editor", "csrf_token": token},
        follow_redirects=True,
    )


def answer(response) -> str:
    alerts = re.findall(r'class="alert[^"]*"[^>]*>(.*?)</', response.get_data(as_text=True), re.S)
    return " ".join(a.strip() for a in alerts)


def test_an_address_with_a_login_elsewhere_gets_the_answer_a_new_one_gets(
    app, make_partner, make_user, staff, login
):
    partner, focal, _ = make_partner()
    other_partner, elsewhere, _ = make_partner(name="Bravo Relief", acronym="BR")
    client = login(focal.email)

    new = invite(client, "eve@ah.example.org")
    taken = invite(client, elsewhere.email)
    staff_address = invite(client, staff["manager"].email)

    assert new.status_code == taken.status_code == staff_address.status_code == 200
    assert answer(new) == answer(taken) == answer(staff_address)
    assert answer(new) == "Eve Field is invited; they will get an email."
    assert "already" not in taken.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, elsewhere.id).partner_id == other_partner.id
    assert Auth(app.test_client()).login(elsewhere.email, PASSWORD).status_code == 302
    # Their own people are on their own list: that address is named as taken.
    make_user("sam@ah.example.org", partner=partner, partner_role="viewer")
    own = invite(client, "sam@ah.example.org")
    assert own.status_code == 422
    assert "Someone already uses this email address." in own.get_data(as_text=True)
