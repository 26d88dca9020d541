from flask_wtf import FlaskForm
from wtforms import TextAreaField


class MessageForm(FlaskForm):
    # Length and emptiness are the service's rules (DomainError on "body"), so
    # that the same answer comes whichever way a message arrives.
    body = TextAreaField("Your message")
