"""Merging duplicate partners (administrators): choose two, compare them side by
side, pick the values to keep, confirm with a reason."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from wtforms import (
    Form,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import HiddenInput

from portal.core.access import admin_required
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.core.forms import PortalForm, attach_error
from portal.core.htmx import go_to, render
from portal.core.inputs import identifier_or_none
from portal.models import Partner
from portal.partners import bp
from portal.partners.drafts import PROFILE_FIELDS
from portal.partners.forms import label
from portal.partners.merge import check_mergeable, merge_partners, related_counts
from portal.partners.merge_choices import Questions, merge_questions
from portal.partners.models import INVOICE_FORMATS, LANGUAGES, REPORTING_FREQUENCIES

LABELS = {
    "name": lazy_gettext("Official name"),
    "acronym": lazy_gettext("Acronym"),
    "scope_of_work": lazy_gettext("Scope of work"),
    "language": lazy_gettext("Reporting language"),
    "reporting_frequency": lazy_gettext("Reporting frequency"),
    "invoice_format": lazy_gettext("Preferred invoice format"),
    "next_review_on": lazy_gettext("Next annual review"),
}
VALUE_NAMES = {
    "language": LANGUAGES,
    "reporting_frequency": REPORTING_FREQUENCIES,
    "invoice_format": INVOICE_FORMATS,
}
COUNT_LABELS = {
    "contacts": lazy_gettext("Contacts (former ones included)"),
    "coverage": lazy_gettext("Coverage entries (ended ones included)"),
    "users": lazy_gettext("People who log in"),
    "accreditations": lazy_gettext("Accreditations"),
    "documents": lazy_gettext("Agreements and letters"),
    "reviews": lazy_gettext("Annual reviews"),
    "history": lazy_gettext("History events"),
}


class ChooseForm(Form):
    """The two partners to compare, from the query string (a GET form, no CSRF).
    Merged partners are not offered; one named in the URL is refused by the service."""

    a = SelectField(lazy_gettext("Partner to keep"), validate_choice=False)
    b = SelectField(lazy_gettext("Duplicate to merge into it"), validate_choice=False)


class MergeForm(PortalForm):
    """The confirmation: which value to keep for each profile field (added below),
    the versions compared, and why."""

    survivor_id = HiddenField()
    other_id = HiddenField()
    survivor_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    other_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    # Asked only when the pair needs it (merge_questions); no default, so the
    # administrator chooses. The service refuses a missing or foreign answer.
    continuing = RadioField(
        lazy_gettext("Accreditation that continues"), choices=[], validate_choice=False
    )
    focal_point = RadioField(
        lazy_gettext("Focal point who stays"), choices=[], validate_choice=False
    )
    reason = TextAreaField(
        lazy_gettext("Reason for the merge"),
        validators=[
            DataRequired(lazy_gettext("Say why these partners are merged.")),
            Length(max=2000),
        ],
        description=lazy_gettext(
            'Kept in both partners\' history: "registered twice", "renamed in 2023".'
        ),
    )


# One "keep which value" choice per profile field, named like the field itself.
for _name in PROFILE_FIELDS:
    setattr(
        MergeForm,
        _name,
        RadioField(
            LABELS.get(_name, _name.replace("_", " ").capitalize()),
            choices=[
                SelectChoice("survivor", lazy_gettext("Kept partner")),
                SelectChoice("other", lazy_gettext("Duplicate")),
            ],
            default="survivor",
            validators=[InputRequired(lazy_gettext("Choose which value to keep."))],
        ),
    )


def _partner_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        db.select(Partner.id, Partner.name, Partner.acronym)
        .where(Partner.status != "merged")
        .order_by(Partner.name, Partner.id)
    )
    return [SelectChoice("", gettext("Choose a partner…"))] + [
        SelectChoice(str(pid), f"{name} ({acronym})" if acronym else name)
        for pid, name, acronym in rows
    ]


def _choose_form() -> ChooseForm:
    form = ChooseForm(request.args)
    form.a.choices = form.b.choices = _partner_choices()
    return form


def _choose_page(form: ChooseForm, status: int = 200):
    return render("partners/merge_choose.html", status=status, form=form)


@bp.get("/merge")
@admin_required
def merge_choose():
    """Pick the two partners to compare (?a=&b= preselects them)."""
    return _choose_page(_choose_form())


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name == "next_review_on":
        return day(value)
    if name in VALUE_NAMES:
        return str(label(value, VALUE_NAMES[name]))
    return str(value)


def _ask(form: MergeForm, questions: Questions) -> None:
    """The choices of this pair's questions, as radio options."""
    form.continuing.choices = [
        SelectChoice(
            str(a.id),
            gettext(
                "%(partner)s: %(template)s, started %(day)s · %(where)s",
                partner=a.partner.display_name,
                template=a.template.name,
                day=day(a.started_on),
                where=a.current_milestone.name
                if a.current_milestone
                else gettext("final decision due"),
            ),
        )
        for a in questions.cycles
    ]
    form.focal_point.choices = [
        SelectChoice(
            str(c.id),
            f"{c.name}" + (f" <{c.email}>" if c.email else "") + f" ({c.partner.display_name})",
        )
        for c in questions.focal_points
    ]


def _chosen_id(field) -> int | None:
    value = field.data or ""
    return int(value) if value.isdigit() else None


def _compare_page(form: MergeForm, survivor: Partner, other: Partner, status: int = 200):
    questions = merge_questions(survivor, other)
    _ask(form, questions)
    rows = [
        {
            "field": form[name],
            "survivor": _shown(name, getattr(survivor, name)),
            "other": _shown(name, getattr(other, name)),
            "differs": getattr(survivor, name) != getattr(other, name),
        }
        for name in PROFILE_FIELDS
    ]
    return render(
        "partners/merge_compare.html",
        block="form",
        status=status,
        form=form,
        survivor=survivor,
        other=other,
        rows=rows,
        types=[label(t) for t in sorted({*survivor.type_keys, *other.type_keys})],
        counts=(related_counts(survivor), related_counts(other)),
        questions=questions,
        count_labels=COUNT_LABELS,
    )


@bp.get("/merge/compare")
@admin_required
def merge_compare():
    """The two partners side by side, with a choice of value for each field."""
    choose = _choose_form()
    if not (choose.a.data and choose.b.data):
        return redirect(url_for(".merge_choose", **request.args))
    survivor, other = _partner_or_404(choose.a.data), _partner_or_404(choose.b.data)
    try:
        check_mergeable(survivor, other)
    except DomainError as error:
        attach_error(choose, DomainError(error.message, "b"))
        return _choose_page(choose, 422)
    form = MergeForm(
        formdata=None,
        survivor_id=survivor.id,
        other_id=other.id,
        survivor_version=survivor.version,
        other_version=other.version,
    )
    return _compare_page(form, survivor, other)


def _partner_or_404(value: str | None) -> Partner:
    partner_id = identifier_or_none(value)
    if partner_id is None:
        abort(404)
    return db.get_or_404(Partner, partner_id)


@bp.post("/merge")
@admin_required
def merge():
    """Merge the duplicate into the kept partner; errors re-render the comparison."""
    form = MergeForm()
    survivor = _partner_or_404(form.survivor_id.data)
    other = _partner_or_404(form.other_id.data)
    if form.validate_on_submit():
        try:
            merge_partners(
                current_user,
                survivor,
                other,
                {name: form[name].data for name in PROFILE_FIELDS},
                form.reason.data,
                (form.survivor_version.data, form.other_version.data),
                continuing=_chosen_id(form.continuing),
                focal_point=_chosen_id(form.focal_point),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                gettext(
                    "%(other)s was merged into %(survivor)s.",
                    other=other.display_name,
                    survivor=survivor.display_name,
                ),
                "success",
            )
            return go_to(url_for(".show", partner_id=survivor.id), status=200)
    return _compare_page(form, survivor, other, 422)
