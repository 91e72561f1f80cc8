"""Forms of the congresses domain (organizer pages)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

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


class NewCongressForm(FlaskForm):
    """A new congress: empty, or a copy of another with every date moved."""

    copy_from = SelectField(_l("Set up as a copy of"), coerce=str, validate_choice=False)
    slug = StringField(
        _l("Address"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("Lowercase letters, digits and hyphens: the congress lives at /<address>/."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=40)])
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(
        _l("Last day"),
        validators=[Optional()],
        description=_l("For a copy, the length of the copied congress is kept."),
    )
    timezone = StringField(_l("Time zone"), default="Europe/Vienna", validators=[Length(max=64)])
    submit = SubmitField(_l("Create the congress"))


class ArchiveForm(FlaskForm):
    submit = SubmitField(_l("Archive"))
