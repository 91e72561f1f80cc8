"""Forms of bulk mailings."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from conference.mailings.models import GROUP_LABELS
from conference.mailings.services import MAX_BODY, PLACEHOLDERS
from conference.registration.models import RegistrationStatus

PLACEHOLDER_HELP = "Placeholders: " + "; ".join(
    "{" + name + "}: " + text for name, text in PLACEHOLDERS.items()
)


class MailingForm(FlaskForm):
    group = SelectField("Send to", choices=[(g.value, label) for g, label in GROUP_LABELS.items()])
    category = SelectField(
        "Category (registered attendees only)",
        choices=[("", "Every category")],
        validate_choice=False,
    )
    status = SelectField(
        "Status (registered attendees only)",
        choices=[("", "Registered (awaiting verification, awaiting payment, confirmed)")]
        + [(s.value, s.label) for s in RegistrationStatus],
        validate_choice=False,
    )
    subject = StringField("Subject", validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(
        "Message",
        validators=[DataRequired(), Length(max=MAX_BODY)],
        description=PLACEHOLDER_HELP,
    )
