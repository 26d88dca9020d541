from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length

from portal.accreditation.submissions import FEEDBACK_NEEDED
from portal.core.forms import PortalForm
from portal.core.inputs import identifier_or_none
from portal.core.translated import translated
from portal.review.reasons import LABEL_MAX, REASON_NEEDED, active_reasons


class ReviewForm(PortalForm):
    # Set by the button pressed: "approve" or "request_changes".
    decision = StringField(validators=[AnyOf(["approve", "request_changes"])])
    # Choices: the reasons offered now (for_submission); anything else reaches the
    # domain, which names what is wrong with it.
    reason = SelectField(
        lazy_gettext("Reason for sending it back"),
        coerce=identifier_or_none,
        validate_choice=False,
        description=lazy_gettext("Required when you request changes; not used with an approval."),
    )
    feedback = TextAreaField(
        lazy_gettext("Note with an approval, or guidance when sending back"),
        validators=[Length(max=5000)],
        description=lazy_gettext(
            "Approving: an optional note the partner reads with the approval. "
            "Requesting changes: required — say what to change and why."
        ),
    )

    waiting = True

    def validate(self, extra_validators=None) -> bool:
        """Sending back needs both a reason and guidance: say at once what is
        missing (review_submission checks again, and refuses a retired reason).
        Once decided, the domain's answer (who decided) is what counts."""
        valid = super().validate(extra_validators)
        if not self.waiting or self.decision.data != "request_changes":
            return valid
        missing = [
            (self.reason, self.reason.data is None, REASON_NEEDED),
            (self.feedback, not (self.feedback.data or "").strip(), FEEDBACK_NEEDED),
        ]
        for field, empty, message in missing:
            if empty and not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def for_submission(self, submission) -> ReviewForm:
        """The reasons offered now, and whether the submission still waits."""
        self.waiting = submission.status == "submitted"
        self.reason.choices = [("", gettext("Choose a reason…"))] + [
            (r.id, translated(r, "label")) for r in active_reasons()
        ]
        return self


class AssignForm(PortalForm):
    # "" means nobody in particular; choices are set by the view (active staff).
    reviewer_id = SelectField(lazy_gettext("Reviewer"), coerce=str, validate_choice=False)


class ReasonLabelForm(PortalForm):
    """Add a reason, or rename one."""

    label = StringField(
        lazy_gettext("Reason"),
        validators=[
            Length(
                max=LABEL_MAX,
                message=lazy_gettext("Keep it to %(num)d characters.", num=LABEL_MAX),
            )
        ],
        description=lazy_gettext("As reviewers and partners read it, e.g. “Not signed”."),
    )
    label_fr = StringField(
        lazy_gettext("Reason in French"),
        validators=[
            Length(
                max=LABEL_MAX,
                message=lazy_gettext("Keep it to %(num)d characters.", num=LABEL_MAX),
            )
        ],
        description=lazy_gettext(
            "What French readers see, e.g. “Non signé”. Left empty, they read the English."
        ),
    )

    def other_languages(self) -> dict[str, str | None]:
        return {"fr": self.label_fr.data}


class MoveForm(PortalForm):
    # Set by the button pressed.
    direction = StringField()
