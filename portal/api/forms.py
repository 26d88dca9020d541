"""The form administrators make a token with."""

from __future__ import annotations

from wtforms import SelectChoice, StringField

from portal.api.registry import RESOURCES
from portal.core.forms import PortalForm
from portal.partners.forms import MultiCheckboxField


class TokenForm(PortalForm):
    name = StringField(
        "Name",
        description="Who or what uses it, e.g. “Power BI – M&E dashboard”.",
    )
    # The service checks both (portal/api/tokens.create_token) and says why next to them.
    scopes = MultiCheckboxField("May read", choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [
            SelectChoice(r.scope, r.name.replace("-", " ").capitalize()) for r in RESOURCES.values()
        ]
