"""A person's own settings: how they hear from the portal."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import RadioField

from portal.core.forms import PortalForm
from portal.notifications.preferences import DELIVERIES
from portal.partners.forms import MultiCheckboxField, options


class NoticeForm(PortalForm):
    delivery = RadioField(
        lazy_gettext("How notifications reach you by email"),
        choices=options(DELIVERIES),
        validate_choice=False,  # the service says what is wrong, next to the field
    )
    # Checked: emailed (at once or in the digest); unchecked: only in the bell.
    emailed = MultiCheckboxField(lazy_gettext("Email me about"), choices=[], validate_choice=False)
