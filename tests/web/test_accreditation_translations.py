"""An accreditation template written in another language: administrators write the
French of each stage and document on the template page (audited, no new version);
partners reading in French see it on their dashboard, checklist and timeline, the
English readers the English, and a field left blank falls back to the English."""

from __future__ import annotations

import re

from portal.accreditation.template_forms import TranslationForm
from portal.accreditation.templates import TemplateDraft, save_template
from portal.core.extensions import db
from portal.models import AccreditationTemplate, AuditEvent
from tests.helpers import token_for


def page_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def french_form(template, client, **typed) -> dict:
    """The translation form as the browser posts it, with `typed` over the blanks
    (keys as "stages-0-name", "stages-0-requirements-1-guidance")."""
    data = {"csrf_token": token_for(client), "language": "fr"}
    for i, stage in enumerate(template.stages):
        data[f"stages-{i}-id"] = str(stage.id)
        data[f"stages-{i}-name"] = ""
        for j, requirement in enumerate(stage.requirements):
            prefix = f"stages-{i}-requirements-{j}-"
            data[prefix + "id"] = str(requirement.id)
            for field in ("name", "description", "guidance"):
                data[prefix + field] = ""
    data.update(typed)
    return data


def write_french(world, login):
    """The administrator writes the first stage and its first document in French,
    leaving the document's guidance blank."""
    template = world.a.accreditation.template
    first = template.stages[0].requirements[0]
    first.guidance = "Signed by the registrar."
    db.session.commit()
    client = login(world.admin.email)
    page = page_of(client, f"/accreditation-templates/{template.id}")
    assert (
        'data-testid="translation-form"' in page and "In English: Signed by the registrar." in page
    )
    response = client.post(
        f"/accreditation-templates/{template.id}/translations",
        data=french_form(
            template,
            client,
            **{
                "stages-0-name": "Dépôt des documents",
                "stages-0-requirements-0-name": "Certificat d'enregistrement",
                "stages-0-requirements-0-description": "Le certificat en cours de validité.",
            },
        ),
    )
    assert response.status_code == 302
    assert response.location.endswith(
        f"/accreditation-templates/{template.id}?language=fr#translations"
    )
    return template, first


def test_the_administrator_writes_the_french_and_it_is_audited(world, login):
    template, first = write_french(world, login)
    db.session.expire_all()
    assert template.stages[0].translations == {"fr": {"name": "Dépôt des documents"}}
    assert first.translations == {
        "fr": {
            "name": "Certificat d'enregistrement",
            "description": "Le certificat en cours de validité.",
        }
    }
    assert first.name == "Document submission document 1"  # the English stays as it was
    assert db.session.scalar(db.select(db.func.count(AccreditationTemplate.id))) == 1  # no version
    [event] = db.session.scalars(db.select(AuditEvent).filter_by(action="template_translated"))
    assert event.actor_id == world.admin.id and event.object_id == template.id
    assert event.changes["stage_1_name_fr"] == [None, "Dépôt des documents"]
    assert event.changes["stage_1_document_1_name_fr"] == [None, "Certificat d'enregistrement"]
    assert "stage_1_document_1_guidance_fr" not in event.changes  # left blank: no change

    page = page_of(login(world.admin.email), f"/accreditation-templates/{template.id}?language=fr")
    assert 'value="Dépôt des documents"' in page  # the form shows what was written


def test_a_french_partner_reads_the_french_and_an_english_one_the_english(world, login):
    template, first = write_french(world, login)
    world.a.focal.language = "fr"
    world.b.focal.language = "en"
    db.session.commit()

    french = login(world.a.focal.email)
    dashboard = page_of(french, "/accreditation")
    assert 'lang="fr"' in dashboard
    assert "Dépôt des documents" in dashboard  # the current stage and its milestone
    assert re.search(r'data-testid="current-stage">Dépôt des documents<', dashboard)
    card = re.search(rf'id="requirement-{first.id}".*?</article>', dashboard, re.S)[0]
    assert (
        "Certificat d&#39;enregistrement" in card and "Le certificat en cours de validité." in card
    )
    # The blank French guidance falls back to the English one, field by field.
    assert "Signed by the registrar." in card
    assert "Document submission document 1" not in card
    # Another document, not translated at all, reads in English.
    assert "Document submission document 2" in dashboard
    # Outstanding actions name the document in French too.
    actions = re.search(r'aria-labelledby="actions-h".*?</section>', dashboard, re.S)[0]
    assert "Document submission document 2" in actions  # still to upload: English name

    timeline = page_of(french, f"/accreditations/{world.a.accreditation.id}/timeline")
    assert re.search(r'data-testid="timeline-current">Dépôt des documents<', timeline)
    assert "Compliance review" in timeline  # the next stage has no French: English

    english = login(world.b.focal.email)
    dashboard = page_of(english, "/accreditation")
    assert (
        "Dépôt des documents" not in dashboard
        and "Certificat d&#39;enregistrement" not in dashboard
    )
    assert re.search(r'data-testid="current-stage">Document submission<', dashboard)
    timeline = page_of(english, f"/accreditations/{world.b.accreditation.id}/timeline")
    assert re.search(r'data-testid="timeline-current">Document submission<', timeline)


def test_clearing_a_french_field_brings_the_english_back(world, login):
    template, first = write_french(world, login)
    client = login(world.admin.email)
    data = french_form(
        template,
        client,
        **{
            "stages-0-name": "Dépôt des documents",
            "stages-0-requirements-0-name": "",  # cleared
            "stages-0-requirements-0-description": "Le certificat en cours de validité.",
        },
    )
    assert (
        client.post(f"/accreditation-templates/{template.id}/translations", data=data).status_code
        == 302
    )
    db.session.expire_all()
    assert first.translations == {"fr": {"description": "Le certificat en cours de validité."}}
    world.a.focal.language = "fr"
    db.session.commit()
    card = re.search(
        rf'id="requirement-{first.id}".*?</article>',
        page_of(login(world.a.focal.email), "/accreditation"),
        re.S,
    )[0]
    assert (
        "Document submission document 1" in card and "Le certificat en cours de validité." in card
    )


def test_only_administrators_write_translations(world, login):
    template = world.a.accreditation.template
    manager = login(world.manager.email)
    assert 'data-testid="translation-form"' not in page_of(
        manager, f"/accreditation-templates/{template.id}"
    )
    url = f"/accreditation-templates/{template.id}/translations"
    assert manager.post(url, data=french_form(template, manager)).status_code == 403
    partner = login(world.a.focal.email)
    assert partner.post(url, data=french_form(template, partner)).status_code == 403
    admin = login(world.admin.email)
    bad = french_form(template, admin, language="en")
    assert admin.post(url, data=bad).status_code == 400
    too_long = french_form(template, admin, **{"stages-0-name": "x" * 201})
    response = admin.post(url, data=too_long)
    assert response.status_code == 422
    db.session.expire_all()
    assert template.stages[0].translations in ({}, None)


def test_a_new_version_keeps_the_french_of_texts_that_did_not_change(world, login):
    template, first = write_french(world, login)
    db.session.expire_all()
    draft = TemplateDraft.of(template)
    draft.stages[0].requirements[0].description = "The certificate, valid today."  # changed
    newer = save_template(world.admin, template, draft)  # in use: version 2
    assert newer.version == 2
    stage, requirement = newer.stages[0], newer.stages[0].requirements[0]
    assert stage.translations == {"fr": {"name": "Dépôt des documents"}}
    # The unchanged name keeps its French; the changed description reads in English.
    assert requirement.translations == {"fr": {"name": "Certificat d'enregistrement"}}


def test_the_form_pairs_each_entry_with_the_english_it_translates(world, app):
    template = world.a.accreditation.template
    with app.test_request_context():
        form = TranslationForm.of(template, "fr")
        assert [e.source for e in form.stages] == list(template.stages)
        assert [r.source for r in form.stages[0].requirements] == template.stages[0].requirements


def test_the_vault_names_the_requirements_in_the_reader_s_language(world, login):
    template, first = write_french(world, login)
    first.document_type = "tax_clearance"
    world.a.focal.language = "fr"
    db.session.commit()
    page = page_of(login(world.a.focal.email), "/organisation/documents")
    row = re.search(r'data-type="tax_clearance".*?</tr>', page, re.S)[0]
    assert "Certificat d&#39;enregistrement" in row
    staff = page_of(login(world.manager.email), f"/partners/{world.a.partner.id}/vault")
    assert (
        "Document submission document 1"
        in re.search(r'data-type="tax_clearance".*?</tr>', staff, re.S)[0]
    )
