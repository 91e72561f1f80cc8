"""Forms of the congresses domain (organizer pages)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from conference.congresses.services import MAX_POLICY_CHARS

MARKDOWN_HELP = _l(
    "Markdown: # headings, **bold**, *italic*, lists, [links](https://example.org), tables. "
    "Leave empty to withdraw the policy."
)


class PoliciesForm(FlaskForm):
    terms = TextAreaField(
        _l("Terms and conditions"),
        validators=[Length(max=MAX_POLICY_CHARS)],
        description=MARKDOWN_HELP,
    )
    cancellation = TextAreaField(
        _l("Cancellation policy"),
        validators=[Length(max=MAX_POLICY_CHARS)],
        description=MARKDOWN_HELP,
    )
    privacy = TextAreaField(
        _l("Privacy policy"),
        validators=[Length(max=MAX_POLICY_CHARS)],
        description=MARKDOWN_HELP,
    )
    submit = SubmitField(_l("Save policies"))
