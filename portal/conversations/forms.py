from flask_babel import lazy_gettext
from wtforms import TextAreaField

from portal.core.forms import PortalForm


class MessageForm(PortalForm):
    # Length and emptiness are the service's rules (DomainError on "body"), so
    # that the same answer comes whichever way a message arrives.
    body = TextAreaField(lazy_gettext("Your message"))
