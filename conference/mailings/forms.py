"""Forms of bulk mailings."""

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from conference.mailings.models import GROUP_LABELS
from conference.mailings.services import MAX_BODY, PLACEHOLDERS
from conference.registration.models import RegistrationStatus


def _placeholder_help() -> str:
    return _(
        "Placeholders: %(placeholders)s",
        placeholders="; ".join(
            "{" + name + "}: " + str(text) for name, text in PLACEHOLDERS.items()
        ),
    )


PLACEHOLDER_HELP = LazyString(_placeholder_help)


class MailingForm(FlaskForm):
    group = SelectField(
        _l("Send to"), choices=[(g.value, label) for g, label in GROUP_LABELS.items()]
    )
    category = SelectField(
        _l("Category (registered attendees only)"),
        choices=[("", _l("Every category"))],
        validate_choice=False,
    )
    status = SelectField(
        _l("Status (registered attendees only)"),
        choices=[("", _l("Registered (awaiting verification, awaiting payment, confirmed)"))]
        + [(s.value, s.label) for s in RegistrationStatus],
        validate_choice=False,
    )
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(max=MAX_BODY)],
        description=PLACEHOLDER_HELP,
    )
