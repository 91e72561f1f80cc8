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

from conference.program.models import ROOM_KIND_LABELS, CountingPreset, RoomKind, TableCounting
from conference.program.services import KEY_DATE_FIELDS

KEY_DATE_LABELS = {
    "abstract_submission_opens_at": "Abstract submission opens",
    "abstract_submission_closes_at": "Abstract submission closes",
    "late_breaking_opens_at": "Late-breaking window opens",
    "late_breaking_closes_at": "Late-breaking window closes",
    "abstract_withdrawal_closes_at": "Abstract withdrawal deadline",
    "review_closes_at": "Review closes",
    "registration_opens_at": "Registration opens",
    "early_fee_closes_at": "Early fee ends",
    "regular_fee_closes_at": "Regular fee ends (on-site fee after)",
    "refund_deadline_at": "Refund deadline",
    "abstract_titles_release_at": "Accepted abstract titles published (embargo)",
    "abstract_bodies_release_at": "Abstract texts published (embargo)",
}


class CongressForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    short_name = StringField("Short name", validators=[DataRequired(), Length(max=40)])
    starts_on = DateField("First day", validators=[DataRequired()])
    ends_on = DateField("Last day", validators=[DataRequired()])
    timezone = StringField("Time zone (IANA)", validators=[DataRequired(), Length(max=64)])
    venue = StringField("Venue", validators=[Optional(), Length(max=200)])
    city = StringField("City", validators=[Optional(), Length(max=100)])
    country = StringField("Country (ISO code)", validators=[Optional(), Length(max=2)])
    currency = StringField("Currency (ISO 4217)", validators=[DataRequired(), Length(min=3, max=3)])
    website = StringField("Website", validators=[Optional(), Length(max=300)])
    contact_email = StringField("Contact email", validators=[Optional(), Length(max=254)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=20000)])
    counting_preset = SelectField(
        "Abstract length rule", choices=[(p.value, p.value.upper()) for p in CountingPreset]
    )
    length_limit = IntegerField("Length limit (characters)", validators=[NumberRange(1, 100000)])
    count_title = BooleanField("Title counts")
    count_headings = BooleanField("Section headings count")
    count_spaces = BooleanField("Spaces count")
    table_counting = SelectField(
        "A table counts by", choices=[(t.value, t.value) for t in TableCounting]
    )
    table_flat_amount = IntegerField("Flat amount per table", validators=[NumberRange(0, 100000)])
    max_tables = IntegerField("Tables allowed", validators=[NumberRange(0, 10)])
    max_authors = IntegerField("Authors allowed", validators=[NumberRange(1, 200)])
    first_author_quota = IntegerField(
        "Regular abstracts per first author", validators=[NumberRange(1, 100)]
    )
    reviews_per_abstract = IntegerField("Reviewers per abstract", validators=[NumberRange(1, 20)])
    abstract_fee = StringField(
        "Fee per submitted abstract (empty or 0: no fee)", validators=[Optional(), Length(max=20)]
    )
    abstract_fee_waiver_countries = StringField(
        "Countries whose authors pay no abstract fee (ISO codes, comma-separated)",
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Save settings")


for _field in KEY_DATE_FIELDS:
    setattr(
        CongressForm,
        _field,
        DateTimeLocalField(
            KEY_DATE_LABELS[_field], format="%Y-%m-%dT%H:%M", validators=[Optional()]
        ),
    )


class TrackForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        "Slug",
        validators=[Optional(), Length(max=120)],
        description="Used in URLs and the API; made from the name when empty.",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    colour = StringField("Colour", default="#455a64", validators=[DataRequired(), Length(max=7)])
    position = IntegerField("Order", default=0, validators=[Optional(), NumberRange(0, 100000)])
    is_active = BooleanField("Active (retired tracks take no new abstracts)", default=True)
    submit = SubmitField("Save track")


class RoomForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    capacity = IntegerField(
        "Capacity (seats)", validators=[Optional(), NumberRange(min=0, max=100000)]
    )
    position = IntegerField("Order", default=0, validators=[Optional(), NumberRange(0, 100000)])
    kind = SelectField(
        _l("Kind"),
        choices=[(kind.value, label) for kind, label in ROOM_KIND_LABELS.items()],
        default=RoomKind.SESSION_ROOM.value,
        description=_l(
            "Industry satellites and exhibits are kept away from accredited sessions in "
            "session rooms."
        ),
    )
    submit = SubmitField("Save room")


class SessionForm(FlaskForm):
    """A session of the schedule; times are wall-clock times in the congress time zone."""

    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    format = SelectField("Format", validators=[DataRequired()])
    track = SelectField("Track", coerce=int)
    room = SelectField("Room", coerce=int)
    starts_at = DateTimeLocalField("Starts", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends_at = DateTimeLocalField("Ends", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    chairs = TextAreaField(
        "Chairs",
        validators=[Optional(), Length(max=4000)],
        description="One per line: an email, or “Name <email>” for someone new.",
    )
    discussants = TextAreaField("Discussants", validators=[Optional(), Length(max=4000)])
    is_accredited = BooleanField("CME-accredited (never for industry satellites)")
    expected_audience = IntegerField(
        "Expected audience",
        validators=[Optional(), NumberRange(min=0, max=100000)],
        description="How many people you expect; compared with the room's seats.",
    )
    ticketed_seats = IntegerField(
        "Ticketed seats",
        validators=[Optional(), NumberRange(min=0, max=100000)],
        description="Only for sessions that need a ticket; leave empty otherwise.",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=20000)])
    submit = SubmitField("Save session")


class PresentationForm(FlaskForm):
    """Place an accepted abstract, or an invited talk, in a session."""

    abstract = SelectField("Accepted abstract", coerce=int, validate_choice=False)
    title = StringField("or an invited talk: title", validators=[Optional(), Length(max=500)])
    speakers = TextAreaField(
        "Invited speakers",
        validators=[Optional(), Length(max=2000)],
        description="One per line: an email, or “Name <email>”.",
    )
    starts_at = DateTimeLocalField("Starts", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    ends_at = DateTimeLocalField("Ends", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    board_number = StringField("Poster board", validators=[Optional(), Length(max=20)])
    submit = SubmitField("Add to session")


class PresentationTimeForm(FlaskForm):
    starts_at = DateTimeLocalField("Starts", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    ends_at = DateTimeLocalField("Ends", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    board_number = StringField("Board", validators=[Optional(), Length(max=20)])
    submit = SubmitField("Save")


class SessionMoveForm(FlaskForm):
    """Move a session to another room or time (the keyboard and no-JavaScript path of a drag)."""

    room = SelectField("Room", coerce=int)
    starts_at = DateTimeLocalField("Starts", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends_at = DateTimeLocalField(
        "Ends",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description="Leave empty to keep the session's length.",
    )
    submit = SubmitField("Move")


class ImportForm(FlaskForm):
    file = FileField("frab schedule XML", validators=[FileRequired()])
    replace = BooleanField("Replace the current sessions")
    submit = SubmitField("Import")


class SpeakerForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = StringField("Email", validators=[Optional(), Length(max=254)])
    affiliation = StringField("Affiliation", validators=[Optional(), Length(max=300)])
    country = StringField("Country (ISO code)", validators=[Optional(), Length(max=2)])
    nothing_to_disclose = BooleanField("Nothing to disclose (past 24 months)")
    disclosures = TextAreaField(
        "Disclosures",
        validators=[Optional(), Length(max=4000)],
        description="One per line: “Company: relationship” (e.g. “Helix Pharma: honoraria”).",
    )
    submit = SubmitField("Save person")
