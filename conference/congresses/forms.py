"""Forms of the congresses domain (organizer pages)."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from conference.congresses.services import MAX_POLICY_CHARS

MARKDOWN_HELP = (
    "Markdown: # headings, **bold**, *italic*, lists, [links](https://example.org), tables. "
    "Leave empty to withdraw the policy."
)


class PoliciesForm(FlaskForm):
    terms = TextAreaField(
        "Terms and conditions",
        validators=[Length(max=MAX_POLICY_CHARS)],
        description=MARKDOWN_HELP,
    )
    cancellation = TextAreaField(
        "Cancellation policy",
        validators=[Length(max=MAX_POLICY_CHARS)],
        description=MARKDOWN_HELP,
    )
    privacy = TextAreaField(
        "Privacy policy",
        validators=[Length(max=MAX_POLICY_CHARS)],
        description=MARKDOWN_HELP,
    )
    submit = SubmitField("Save policies")


class NewCongressForm(FlaskForm):
    """A new congress: empty, or a copy of another with every date moved."""

    copy_from = SelectField("Set up as a copy of", coerce=str, validate_choice=False)
    slug = StringField(
        "Address",
        validators=[DataRequired(), Length(max=40)],
        description="Lowercase letters, digits and hyphens: the congress lives at /<address>/.",
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    short_name = StringField("Short name", validators=[DataRequired(), Length(max=40)])
    starts_on = DateField("First day", validators=[DataRequired()])
    ends_on = DateField(
        "Last day",
        validators=[Optional()],
        description="For a copy, the length of the copied congress is kept.",
    )
    timezone = StringField("Time zone", default="Europe/Vienna", validators=[Length(max=64)])
    submit = SubmitField("Create the congress")


class ArchiveForm(FlaskForm):
    submit = SubmitField("Archive")
