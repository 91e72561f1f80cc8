"""Organizer forms for the congress settings, tracks and rooms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from conference.i18n import LANGUAGES
from conference.program.models import ROOM_KIND_LABELS, CountingPreset, RoomKind, TableCounting
from conference.program.services import KEY_DATE_FIELDS

KEY_DATE_LABELS = {
    "abstract_submission_opens_at": _l("Abstract submission opens"),
    "abstract_submission_closes_at": _l("Abstract submission closes"),
    "late_breaking_opens_at": _l("Late-breaking window opens"),
    "late_breaking_closes_at": _l("Late-breaking window closes"),
    "abstract_withdrawal_closes_at": _l("Abstract withdrawal deadline"),
    "review_closes_at": _l("Review closes"),
    "registration_opens_at": _l("Registration opens"),
    "early_fee_closes_at": _l("Early fee ends"),
    "regular_fee_closes_at": _l("Regular fee ends (on-site fee after)"),
    "refund_deadline_at": _l("Refund deadline"),
    "abstract_titles_release_at": _l("Accepted abstract titles published (embargo)"),
    "abstract_bodies_release_at": _l("Abstract texts published (embargo)"),
}


class CongressForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=40)])
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    language = SelectField(
        _l("Main language of the congress texts"),
        choices=list(LANGUAGES.items()),
        description=_l("Give the texts in other languages on the congress texts pages."),
    )
    timezone = StringField(_l("Time zone (IANA)"), validators=[DataRequired(), Length(max=64)])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    country = StringField(_l("Country (ISO code)"), validators=[Optional(), Length(max=2)])
    currency = StringField(
        _l("Currency (ISO 4217)"), validators=[DataRequired(), Length(min=3, max=3)]
    )
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    contact_email = StringField(_l("Contact email"), validators=[Optional(), Length(max=254)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    counting_preset = SelectField(
        _l("Abstract length rule"), choices=[(p.value, p.value.upper()) for p in CountingPreset]
    )
    length_limit = IntegerField(
        _l("Length limit (characters)"), validators=[NumberRange(1, 100000)]
    )
    count_title = BooleanField(_l("Title counts"))
    count_headings = BooleanField(_l("Section headings count"))
    count_spaces = BooleanField(_l("Spaces count"))
    table_counting = SelectField(
        _l("A table counts by"), choices=[(t.value, t.value) for t in TableCounting]
    )
    table_flat_amount = IntegerField(
        _l("Flat amount per table"), validators=[NumberRange(0, 100000)]
    )
    max_tables = IntegerField(_l("Tables allowed"), validators=[NumberRange(0, 10)])
    max_authors = IntegerField(_l("Authors allowed"), validators=[NumberRange(1, 200)])
    first_author_quota = IntegerField(
        _l("Regular abstracts per first author"), validators=[NumberRange(1, 100)]
    )
    reviews_per_abstract = IntegerField(
        _l("Reviewers per abstract"), validators=[NumberRange(1, 20)]
    )
    abstract_fee = StringField(
        _l("Fee per submitted abstract (empty or 0: no fee)"),
        validators=[Optional(), Length(max=20)],
    )
    abstract_fee_waiver_countries = StringField(
        _l("Countries whose authors pay no abstract fee (ISO codes, comma-separated)"),
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField(_l("Save settings"))


for _field in KEY_DATE_FIELDS:
    setattr(
        CongressForm,
        _field,
        DateTimeLocalField(
            KEY_DATE_LABELS[_field], format="%Y-%m-%dT%H:%M", validators=[Optional()]
        ),
    )


class TrackForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        _l("Slug"),
        validators=[Optional(), Length(max=120)],
        description=_l("Used in URLs and the API; made from the name when empty."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    colour = StringField(
        _l("Colour"), default="#455a64", validators=[DataRequired(), Length(max=7)]
    )
    position = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(0, 100000)])
    is_active = BooleanField(_l("Active (retired tracks take no new abstracts)"), default=True)
    submit = SubmitField(_l("Save track"))


class RoomForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    capacity = IntegerField(
        _l("Capacity (seats)"), validators=[Optional(), NumberRange(min=0, max=100000)]
    )
    position = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(0, 100000)])
    kind = SelectField(
        _l("Kind"),
        choices=[(kind.value, label) for kind, label in ROOM_KIND_LABELS.items()],
        default=RoomKind.SESSION_ROOM.value,
        description=_l(
            "Industry satellites and exhibits are kept away from accredited sessions in "
            "session rooms."
        ),
    )
    submit = SubmitField(_l("Save room"))


class SessionForm(FlaskForm):
    """A session of the schedule; times are wall-clock times in the congress time zone."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    format = SelectField(_l("Format"), validators=[DataRequired()])
    track = SelectField(_l("Track"), coerce=int)
    room = SelectField(_l("Room"), coerce=int)
    starts_at = DateTimeLocalField(
        _l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    chairs = TextAreaField(
        _l("Chairs"),
        validators=[Optional(), Length(max=4000)],
        description=_l("One per line: an email, or “Name <email>” for someone new."),
    )
    discussants = TextAreaField(_l("Discussants"), validators=[Optional(), Length(max=4000)])
    is_accredited = BooleanField(_l("CME-accredited (never for industry satellites)"))
    expected_audience = IntegerField(
        _l("Expected audience"),
        validators=[Optional(), NumberRange(min=0, max=100000)],
        description=_l("How many people you expect; compared with the room's seats."),
    )
    ticketed_seats = IntegerField(
        _l("Ticketed seats"),
        validators=[Optional(), NumberRange(min=0, max=100000)],
        description=_l("Only for sessions that need a ticket; leave empty otherwise."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    submit = SubmitField(_l("Save session"))


class PresentationForm(FlaskForm):
    """Place an accepted abstract, or an invited talk, in a session."""

    abstract = SelectField(_l("Accepted abstract"), coerce=int, validate_choice=False)
    title = StringField(_l("or an invited talk: title"), validators=[Optional(), Length(max=500)])
    speakers = TextAreaField(
        _l("Invited speakers"),
        validators=[Optional(), Length(max=2000)],
        description=_l("One per line: an email, or “Name <email>”."),
    )
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    board_number = StringField(_l("Poster board"), validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("Add to session"))


class PresentationTimeForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    board_number = StringField(_l("Board"), validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("Save"))


class SessionMoveForm(FlaskForm):
    """Move a session to another room or time (the keyboard and no-JavaScript path of a drag)."""

    room = SelectField(_l("Room"), coerce=int)
    starts_at = DateTimeLocalField(
        _l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    ends_at = DateTimeLocalField(
        _l("Ends"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l("Leave empty to keep the session's length."),
    )
    submit = SubmitField(_l("Move"))


class ImportForm(FlaskForm):
    file = FileField(_l("frab schedule XML"), validators=[FileRequired()])
    replace = BooleanField(_l("Replace the current sessions"))
    submit = SubmitField(_l("Import"))


class SpeakerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    affiliation = StringField(_l("Affiliation"), validators=[Optional(), Length(max=300)])
    country = StringField(_l("Country (ISO code)"), validators=[Optional(), Length(max=2)])
    nothing_to_disclose = BooleanField(_l("Nothing to disclose (past 24 months)"))
    disclosures = TextAreaField(
        _l("Disclosures"),
        validators=[Optional(), Length(max=4000)],
        description=_l("One per line: “Company: relationship” (e.g. “Helix Pharma: honoraria”)."),
    )
    submit = SubmitField(_l("Save person"))
