"""Editing emails in the portal: staff read the templates, administrators save
new versions (refused with the line and the reason when broken), preview them
on a real partner as they type, look at old versions and restore them."""

from __future__ import annotations

import html
import re

from portal.core.extensions import db
from portal.mail.defaults import DEFAULTS
from portal.mail.email_templates import render_email
from portal.mail.merge_fields import sample_fields
from portal.models import EmailTemplate, Partner
from tests.helpers import token_for

EDIT = "/email-templates/edit?key=report&language=fr"
REPORT_BODY = (
    "Bonjour {{ greeting_name }},\n\nAvancement : {{ completion|percent }}\n{{ portal_link }}\n"
)


def _saved() -> list[EmailTemplate]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(EmailTemplate).order_by(EmailTemplate.id)))


def _save(client, body: str, subject: str = "Rapport {{ partner_name }}", **extra):
    return client.post(
        EDIT,
        data={"csrf_token": token_for(client), "subject": subject, "body": body, **extra},
    )


def test_staff_see_every_template_and_language_partners_do_not(world, login):
    page = login(world.manager.email).get("/email-templates").get_data(as_text=True)
    assert len(re.findall(r'data-testid="email-template"', page)) == 8  # 4 emails x 2 languages
    assert "Progress report" in page and "Français" in page and "Built-in default" in page
    assert login(world.a.focal.email).get("/email-templates").status_code == 403
    assert login(world.a.focal.email).get(EDIT).status_code == 403


def test_the_editor_shows_the_template_its_fields_and_a_preview_on_a_partner(world, login):
    client = login(world.admin.email)
    partner_id = world.a.partner.id
    page = client.get(f"{EDIT}&partner_id={partner_id}").get_data(as_text=True)
    assert DEFAULTS["report", "fr"][0] in html.unescape(page)
    for field in ("partner_name", "remaining_actions", "sender_position", "team_contact"):
        assert "{{ " + field + " }}" in page
    subject = re.search(r'data-testid="preview-subject">(.*?)<', page).group(1)
    assert html.unescape(subject).endswith(
        f"Rapport trimestriel d'avancement de l'accréditation de {world.a.partner.name}"
    )
    # Each entry of the remaining actions, with its deadline written in French.
    text = html.unescape(re.search(r'data-testid="preview-text">(.*?)</pre>', page, re.S).group(1))
    assert "Actions restantes :" in text and "(échéance : " in text
    assert "Bonjour" in text and world.admin.name in text


def test_the_preview_starts_on_a_partner_who_reads_that_language(world, login):
    """Alpha sorts first by name, but the French editor previews Bravo, who reads French."""
    world.b.partner.language = "fr"
    db.session.commit()
    page = login(world.admin.email).get(EDIT).get_data(as_text=True)
    subject = html.unescape(re.search(r'data-testid="preview-subject">(.*?)<', page).group(1))
    assert subject.endswith(world.b.partner.name)


def test_a_valid_template_is_saved_as_a_new_version_and_used(world, login):
    client = login(world.admin.email)
    response = _save(client, REPORT_BODY, note="Shorter")
    assert response.status_code == 302
    [saved] = _saved()
    assert (saved.key, saved.language, saved.version, saved.note) == ("report", "fr", 1, "Shorter")
    email = render_email("report", sample_fields("report"), "fr")
    assert email.subject == "Rapport Health Access Initiative"
    assert email.text.startswith("Bonjour Grace Mensah,\n\nAvancement : 45")
    page = client.get(EDIT).get_data(as_text=True)
    assert "saved as version 1" in page
    assert len(re.findall(r'data-testid="version"', page)) == 2  # version 1 and the default
    listing = client.get("/email-templates").get_data(as_text=True)
    assert "Version 1" in listing and world.admin.name in listing


def test_an_unknown_field_or_a_syntax_error_is_refused_with_its_line(world, login):
    client = login(world.admin.email)
    response = _save(client, "Bonjour,\n\n{{ budget }}\n")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Not saved." in page
    assert "Line 3 of the body: Unknown merge field 'budget'" in page
    response = _save(client, "Bonjour\n{% if stage %}\n{{ stage }}\n")
    assert response.status_code == 422
    assert re.search(
        r"Line \d of the body: Unexpected end of template", response.get_data(as_text=True)
    )
    response = _save(client, "Bonjour", subject="Rapport {{ partner_name")
    assert response.status_code == 422
    assert "Line 1 of the subject" in response.get_data(as_text=True)
    assert _saved() == []


def test_the_preview_follows_what_the_administrator_types(world, login):
    client = login(world.admin.email)
    response = client.post(
        EDIT,
        data={
            "subject": "Pour {{ partner_name }}",
            "body": "Bonjour {{ greeting_name }} <b>{{ stage }}</b>",
            "partner_id": world.b.partner.id,
            "action": "preview",
        },
        headers={"HX-Request": "true", "X-CSRFToken": token_for(client)},
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="preview"')
    assert "<html" not in fragment.split("srcdoc")[0]
    assert f"Pour {world.b.partner.name}" in fragment
    # What the template says is text, in the HTML too: the <b> arrives escaped.
    assert "&lt;b&gt;" in html.unescape(re.search(r'srcdoc="([^"]*)"', fragment).group(1))
    response = client.post(
        EDIT,
        data={"subject": "S", "body": "a\n{{ nope }}", "action": "preview"},
        headers={"HX-Request": "true", "X-CSRFToken": token_for(client)},
    )
    assert "Line 2 of the body: Unknown merge field" in html.unescape(
        response.get_data(as_text=True)
    )
    assert _saved() == []


def test_an_old_version_can_be_viewed_and_restored(world, login):
    client = login(world.admin.email)
    _save(client, REPORT_BODY)
    _save(client, REPORT_BODY + "\nMerci.\n")
    page = client.get(f"{EDIT}&version=1").get_data(as_text=True)
    assert 'data-testid="old-version"' in page and "Version 1" in page
    response = client.post(
        "/email-templates/restore?key=report&language=fr&version=1",
        data={"csrf_token": token_for(client)},
    )
    assert response.status_code == 302
    restored = _saved()[-1]
    assert (restored.version, restored.body, restored.note) == (
        3,
        REPORT_BODY,
        "Restored version 1",
    )
    client.post(
        "/email-templates/restore?key=report&language=fr&version=default",
        data={"csrf_token": token_for(client)},
    )
    assert _saved()[-1].body == DEFAULTS["report", "fr"][1]
    assert client.get(f"{EDIT}&version=default").status_code == 200


def test_managers_read_and_preview_but_do_not_change_templates(world, login):
    client = login(world.manager.email)
    page = client.get(EDIT).get_data(as_text=True)
    assert "Save as a new version" not in page and "Restore" not in page
    preview = client.get(
        f"/email-templates/preview?key=invitation&language=en&partner_id={world.a.partner.id}"
    )
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert f"focal point of {world.a.partner.name}" in text
    # A text of their own would run in the renderer: that is editing, not reading.
    typed = client.get(
        "/email-templates/preview?key=report&language=en&subject=S&body={{ partner_name * 1000 }}"
    )
    assert typed.status_code == 403
    assert _save(client, REPORT_BODY).status_code == 403
    restore = client.post(
        "/email-templates/restore?key=report&language=fr&version=default",
        data={"csrf_token": token_for(client)},
    )
    assert restore.status_code == 403
    assert _saved() == []


def test_unknown_templates_and_languages_are_not_found(world, login):
    client = login(world.admin.email)
    assert client.get("/email-templates/edit?key=newsletter&language=en").status_code == 404
    assert client.get("/email-templates/edit?key=report&language=de").status_code == 404
    assert client.get("/email-templates/edit").status_code == 302


def test_the_editor_reads_in_constant_queries(world, login, count_queries, make_partner):
    client = login(world.admin.email)
    _save(client, REPORT_BODY)
    client.get(EDIT)
    with count_queries() as small:
        assert client.get(EDIT).status_code == 200
    for n in range(3):
        _save(client, REPORT_BODY + "x" * (n + 1), note=f"change {n}")
        make_partner(name=f"Extra {n}", acronym=f"EX{n}")
    assert db.session.scalar(db.select(db.func.count(Partner.id))) == 5
    with count_queries() as large:
        assert client.get(EDIT).status_code == 200
    print(f"\n{EDIT}: {small.count} queries, {large.count} with 4 versions and 3 more partners")
    assert large.count == small.count


def test_without_javascript_the_preview_button_shows_the_whole_page(world, login):
    client = login(world.admin.email)
    response = _save(client, "Cher {{ greeting_name }}", subject="Test", action="preview")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" in page and "Version history" in page
    assert "Cher {{ greeting_name }}</textarea>" in page  # what was typed stays in the form
    # Previewed on the first active partner: its primary focal person is greeted.
    assert f"Cher {world.a.focal.name}" in html.unescape(page)
    assert _saved() == []


def test_the_preview_page_shows_an_old_version_or_a_given_text(world, login):
    client = login(world.admin.email)
    _save(client, REPORT_BODY, subject="Première {{ partner_name }}")
    _save(client, REPORT_BODY, subject="Seconde {{ partner_name }}")
    a = world.a.partner
    page = client.get(
        f"/email-templates/preview?key=report&language=fr&version=1&partner_id={a.id}"
    ).get_data(as_text=True)
    assert f"Première {a.name}" in html.unescape(page)
    page = client.get(
        "/email-templates/preview?key=welcome&language=en&partner_id="
        f"{a.id}&subject=Hi+{{{{+user_name+}}}}&body=Welcome"
    ).get_data(as_text=True)
    assert f"Hi {world.a.focal.name}" in page
