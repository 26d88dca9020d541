from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional


class PartnerForm(FlaskForm):
    name = StringField(
        "Official name",
        validators=[DataRequired("Enter the partner's legal name."), Length(max=300)],
    )
    acronym = StringField("Acronym", validators=[Optional(), Length(max=50)])
    focal_name = StringField(
        "Focal point's name",
        validators=[DataRequired("Enter the focal point's name."), Length(max=200)],
    )
    focal_email = EmailField(
        "Focal point's email",
        validators=[
            DataRequired("Enter the focal point's email."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
        description="We email an invitation to set a password.",
    )
