"""Forms of bulk mailings."""

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from conference.i18n import LANGUAGES
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


def translation_fields(code: str) -> tuple[str, str]:
    """The form's subject and body fields of the message in language `code`."""
    return f"subject_{code}", f"body_{code}"


# The message in each language (the page shows those other than the congress's main one;
# left empty, readers of that language get the main-language text).
for _code, _name in LANGUAGES.items():
    _subject, _body = translation_fields(_code)
    setattr(
        MailingForm,
        _subject,
        StringField(
            _l("Subject in %(language)s", language=_name),
            validators=[Optional(), Length(max=300)],
        ),
    )
    setattr(
        MailingForm,
        _body,
        TextAreaField(
            _l("Message in %(language)s", language=_name),
            validators=[Optional(), Length(max=MAX_BODY)],
        ),
    )
