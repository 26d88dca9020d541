"""The template form: ordered stages, each with its requirements."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accreditation.templates import RequirementDraft, StageDraft, TemplateDraft
from portal.core import filetypes
from portal.core.forms import PortalForm
from portal.vault.models import DOCUMENT_TYPES


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _format_label(ext: str) -> str:
    return "JPEG" if ext == "jpg" else ext.upper()


class RequirementForm(Form):
    name = StringField(lazy_gettext("Document"), validators=[Length(max=200)])
    description = TextAreaField(lazy_gettext("Description"), validators=[Length(max=5000)])
    guidance = TextAreaField(
        lazy_gettext("Guidance for the partner"),
        validators=[Length(max=5000)],
        description=lazy_gettext("How to get it right: what the document must show, who signs it."),
    )
    document_type = SelectField(
        lazy_gettext("Organisation document type"),
        choices=[
            SelectChoice("", lazy_gettext("None (this cycle only)")),
            *(SelectChoice(key, label) for key, label in DOCUMENT_TYPES.items()),
        ],
        description=lazy_gettext(
            "A valid document of this type in the partner's vault satisfies it."
        ),
        default="",
        validate_choice=False,  # the service refuses unknown types with its own message
    )
    # validate_choice off: the service refuses unknown formats with its own message.
    formats = MultiCheckboxField(
        lazy_gettext("Accepted formats"),
        choices=[SelectChoice(ext, _format_label(ext)) for ext in filetypes.ALLOWED],
        validate_choice=False,
        description=lazy_gettext("None ticked: every accepted file type."),
    )
    required = BooleanField(lazy_gettext("Required"), default=True)
    due_offset_days = IntegerField(
        lazy_gettext("Due (days after the stage starts)"),
        validators=[Optional()],
        description=lazy_gettext("Empty: due when the stage ends."),
    )

    def is_blank(self) -> bool:
        return not any(
            (field.data or "").strip() for field in (self.name, self.description, self.guidance)
        )

    def draft(self, key: str) -> RequirementDraft:
        return RequirementDraft(
            name=self.name.data or "",
            description=self.description.data or "",
            guidance=self.guidance.data or "",
            document_type=self.document_type.data or None,
            formats=list(self.formats.data or []),
            required=bool(self.required.data),
            due_offset_days=self.due_offset_days.data,
            key=key,
        )


class StageForm(Form):
    position = IntegerField(lazy_gettext("Position"), validators=[Optional()])
    name = StringField(lazy_gettext("Stage"), validators=[Length(max=200)])
    duration_days = IntegerField(lazy_gettext("Expected duration (days)"), validators=[Optional()])
    requirements = FieldList(FormField(RequirementForm))

    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and all(
            entry.form.is_blank() for entry in self.requirements
        )


class TemplateForm(PortalForm):
    name = StringField(lazy_gettext("Template name"), validators=[Length(max=200)])
    description = TextAreaField(lazy_gettext("Description"), validators=[Length(max=5000)])
    validity_months = IntegerField(
        lazy_gettext("Accreditation valid for (months)"),
        validators=[Optional()],
        default=24,
        description=lazy_gettext(
            "How long a final approval lasts unless the decision says otherwise."
        ),
    )
    stages = FieldList(FormField(StageForm))

    def draft(self) -> TemplateDraft:
        """What was typed; rows left blank are no stage or requirement at all."""
        stages = []
        for entry in self.stages:
            stage = entry.form
            if stage.is_blank():
                continue
            stages.append(
                StageDraft(
                    name=stage.name.data or "",
                    duration_days=stage.duration_days.data,
                    position=stage.position.data,
                    requirements=[
                        r.form.draft(r.name + "-")
                        for r in stage.requirements
                        if not r.form.is_blank()
                    ],
                    key=entry.name + "-",
                )
            )
        return TemplateDraft(
            name=self.name.data or "",
            description=self.description.data or "",
            validity_months=self.validity_months.data,
            stages=stages,
        )

    @classmethod
    def of(cls, draft: TemplateDraft) -> TemplateForm:
        return cls(
            data={
                "name": draft.name,
                "description": draft.description,
                "validity_months": draft.validity_months,
                "stages": [
                    {
                        "position": s.position,
                        "name": s.name,
                        "duration_days": s.duration_days,
                        "requirements": [
                            {
                                "name": r.name,
                                "description": r.description,
                                "guidance": r.guidance,
                                "document_type": r.document_type or "",
                                "formats": r.formats,
                                "required": r.required,
                                "due_offset_days": r.due_offset_days,
                            }
                            for r in s.requirements
                        ],
                    }
                    for s in draft.stages
                ],
            }
        )


# --- the template in another language ----------------------------------------------


class RequirementTranslationForm(Form):
    id = HiddenField()
    name = StringField(lazy_gettext("Document"), validators=[Length(max=200)])
    description = TextAreaField(lazy_gettext("Description"), validators=[Length(max=5000)])
    guidance = TextAreaField(
        lazy_gettext("Guidance for the partner"), validators=[Length(max=5000)]
    )


class StageTranslationForm(Form):
    id = HiddenField()
    name = StringField(lazy_gettext("Stage"), validators=[Length(max=200)])
    requirements = FieldList(FormField(RequirementTranslationForm))


class TranslationForm(PortalForm):
    """Each stage's and document's texts in one other language; a field left blank
    reads in English (the default text)."""

    language = HiddenField()
    stages = FieldList(FormField(StageTranslationForm))

    @classmethod
    def of(cls, template, language: str) -> TranslationForm:
        """The form for `template`, filled with what staff wrote in `language` (or
        with what was posted); each entry knows the English text it translates."""

        def written(obj) -> dict[str, str]:
            return (obj.translations or {}).get(language) or {}

        form = cls(
            data={
                "language": language,
                "stages": [
                    {
                        "id": str(stage.id),
                        "name": written(stage).get("name", ""),
                        "requirements": [
                            {"id": str(r.id), **{f: written(r).get(f, "") for f in TEXT_FIELDS}}
                            for r in stage.requirements
                        ],
                    }
                    for stage in template.stages
                ],
            },
        )
        form.language.data = language
        # Pair each entry with what it translates (the page shows the English beside it).
        stages = {str(stage.id): stage for stage in template.stages}
        requirements = {str(r.id): r for stage in template.stages for r in stage.requirements}
        for entry in form.stages:
            entry.source = stages.get(str(entry.form.id.data))
            for rentry in entry.form.requirements:
                rentry.source = requirements.get(str(rentry.form.id.data))
        return form

    def texts(self) -> dict[tuple[str, int], dict[str, str]]:
        """What was typed: {("stage", id): {"name": …}, ("requirement", id): {…}}."""
        typed: dict[tuple[str, int], dict[str, str]] = {}
        for entry in self.stages:
            stage = entry.form
            if str(stage.id.data or "").isdigit():
                typed[("stage", int(stage.id.data))] = {"name": stage.name.data or ""}
            for rentry in stage.requirements:
                r = rentry.form
                if str(r.id.data or "").isdigit():
                    typed[("requirement", int(r.id.data))] = {
                        f: getattr(r, f).data or "" for f in TEXT_FIELDS
                    }
        return typed


TEXT_FIELDS = ("name", "description", "guidance")
