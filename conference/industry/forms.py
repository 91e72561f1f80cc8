"""Forms of the industry pages (organizers and sponsors' contact people)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional


class PackageForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    price = StringField(_l("Price"), validators=[DataRequired()])
    available = StringField(_l("Number available"), validators=[DataRequired()])
    exhibitor_passes = StringField(_l("Exhibitor passes included"), default="0")
    booth_size = StringField(
        _l("Booth size"), validators=[Length(max=40)], description=_l("Empty: no booth.")
    )
    benefits = TextAreaField(
        _l("Benefits"), description=_l("One per line; each becomes a line of the checklist.")
    )
    position = StringField(
        _l("Order on the sponsors page"), description=_l("Lower numbers are listed first.")
    )


class ProfileForm(FlaskForm):
    """What a sponsor's contact people edit (the public profile)."""

    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    website = StringField(_l("Website"), validators=[Length(max=300)])
    contact_email = StringField(_l("Contact email"), validators=[Length(max=254)])
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=40)])


class SponsorForm(ProfileForm):
    """Everything organizers set when signing a company up (and later)."""

    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    package = SelectField(_l("Package"), choices=[], validate_choice=False)
    legal_name = StringField(
        _l("Legal name (invoiced)"),
        validators=[Length(max=200)],
        description=_l("Empty: the company name."),
    )
    address = TextAreaField(_l("Address"), validators=[Length(max=1000)])
    country = StringField(
        _l("Country"), validators=[Length(max=2)], description=_l("Two-letter code, e.g. FR.")
    )
    vat_id = StringField(_l("VAT id"), validators=[Length(max=20)])


class LogoForm(FlaskForm):
    logo = FileField(_l("Logo"), description=_l("PNG or JPEG, at most 2 MB."))


class ContactForm(FlaskForm):
    email = StringField(
        _l("Email of the person's account"), validators=[DataRequired(), Length(max=254)]
    )


class BenefitForm(FlaskForm):
    delivered = BooleanField(_l("Delivered"))


class ContractTemplateForm(FlaskForm):
    contract_template = TextAreaField(_l("Contract template"), validators=[Optional()])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""

    confirm = HiddenField(default="1")


class PassForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    country = StringField(
        _l("Country"),
        validators=[Length(max=2)],
        description=_l("Two-letter code; empty: the company's country."),
    )
    extra = HiddenField(default="")


class BoothForm(FlaskForm):
    number = StringField(_l("Booth number"), validators=[DataRequired(), Length(max=20)])
    room_id = SelectField(
        _l("Hall"),
        choices=[],
        validate_choice=False,
        description=_l("A room of kind “exhibition area” (rooms are set up with the congress)."),
    )
    size = StringField(_l("Size"), validators=[Length(max=40)])
    x = StringField(
        _l("Position across the plan (%)"), description=_l("0 is the left edge, 100 the right.")
    )
    y = StringField(
        _l("Position down the plan (%)"), description=_l("0 is the top edge, 100 the bottom.")
    )
    sponsor_id = SelectField(_l("Sponsor"), choices=[], validate_choice=False)


class FloorPlanForm(FlaskForm):
    floor_plan = FileField(_l("Floor plan"), description=_l("PNG or JPEG, at most 2 MB."))


class ScanForm(FlaskForm):
    reference = StringField(
        _l("Badge reference"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("Scan the badge's QR code with the camera, or type the reference."),
    )
    scan_id = HiddenField()


class SlotForm(FlaskForm):
    room_id = SelectField(_l("Room"), choices=[], validate_choice=False)
    starts_at = DateTimeLocalField(
        _l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])


class SatelliteRequestForm(FlaskForm):
    slot_id = SelectField(_l("Slot"), choices=[], validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    chairs = TextAreaField(
        _l("Chairs"),
        validators=[Length(max=5000)],
        description=_l(
            "One person a line: name; affiliation; email. They must be approved by the "
            "organizers, then appear in the program."
        ),
    )
    speakers = TextAreaField(
        _l("Speakers"),
        validators=[Length(max=5000)],
        description=_l("One person a line: name; affiliation; email."),
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])


class TransferForm(FlaskForm):
    sponsor_id = SelectField(_l("Paid by"), choices=[], validate_choice=False)
    recipient_name = StringField(
        _l("Healthcare professional"), validators=[DataRequired(), Length(max=200)]
    )
    recipient_email = StringField(_l("Email"), validators=[Length(max=254)])
    recipient_country = StringField(_l("Country"), validators=[Length(max=2)])
    registration_reference = StringField(_l("Registration reference"), validators=[Length(max=24)])
    kind = SelectField(
        _l("What was paid"),
        choices=[
            ("registration", _l("Registration")),
            ("travel", _l("Travel")),
            ("accommodation", _l("Accommodation")),
            ("other", _l("Other")),
        ],
    )
    amount = StringField(_l("Amount"), validators=[DataRequired()])
    paid_on = StringField(_l("Date paid"), description=_l("YYYY-MM-DD"))
    note = StringField(_l("Note"), validators=[Length(max=300)])
