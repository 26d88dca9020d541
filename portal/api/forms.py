"""The form administrators make a token with."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import SelectChoice, StringField

from portal.api.registry import RESOURCES
from portal.core.forms import PortalForm
from portal.partners.forms import MultiCheckboxField

# The resources' names as the token pages show them, in the reader's language. The
# API itself, its scopes and its OpenAPI document stay in English (machine-facing);
# a resource missing here reads as its name, capitalised.
SCOPE_LABELS = {
    "partners": lazy_gettext("Partners"),
    "accreditations": lazy_gettext("Accreditations"),
    "milestones": lazy_gettext("Milestones"),
    "checklist-items": lazy_gettext("Checklist items"),
    "submissions": lazy_gettext("Submissions"),
    "kpis": lazy_gettext("KPIs"),
    "survey-results": lazy_gettext("Survey results"),
}


def scope_label(scope: str) -> str:
    """ "checklist-items" → "Checklist items" (or its French)."""
    return str(SCOPE_LABELS.get(scope) or scope.replace("-", " ").capitalize())


def scope_labels(scopes) -> str:
    """A token's scopes as a list people read: "Partners, Submissions"."""
    return ", ".join(scope_label(s) for s in scopes)


class TokenForm(PortalForm):
    name = StringField(
        lazy_gettext("Name"),
        description=lazy_gettext("Who or what uses it, e.g. “Power BI – M&E dashboard”."),
    )
    # The service checks both (portal/api/tokens.create_token) and says why next to them.
    scopes = MultiCheckboxField(lazy_gettext("May read"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [
            SelectChoice(r.scope, scope_label(r.scope)) for r in RESOURCES.values()
        ]
