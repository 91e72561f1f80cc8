"""Forms of the registration domain (organizer and attendee)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from conference.registration.payments import DESK_KINDS, RECORDABLE_KINDS

AMOUNT_HELP = _l("In the congress currency, e.g. 450.00; empty: not offered in this period.")


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        _l("Slug"),
        validators=[Optional(), Length(max=120)],
        description=_l("Used in URLs and the API; made from the name when empty."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    requires_proof = BooleanField(_l("Needs proof of status (checked by an organizer)"))
    proof_hint = StringField(
        _l("What proof is asked for"), validators=[Optional(), Length(max=300)]
    )
    is_prescriber = BooleanField(_l("Healthcare professional who may prescribe (shown on badge)"))
    is_cme_eligible = BooleanField(_l("Can earn CME credit"))
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(0, 100000)])
    is_active = BooleanField(_l("Open for registration"), default=True)
    fee_early = StringField(_l("Early fee"), description=AMOUNT_HELP)
    fee_regular = StringField(_l("Regular fee"), description=AMOUNT_HELP)
    fee_onsite = StringField(_l("On-site fee"), description=AMOUNT_HELP)
    capacity = IntegerField(
        _l("Places for this category"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        description=_l("Empty: only the congress capacity applies."),
    )
    cancellation_fee = StringField(
        _l("Cancellation fee"),
        description=_l("Kept from the refund when cancelling before the deadline."),
    )
    submit = SubmitField(_l("Save category"))


class InvoiceToFields:
    """The buyer of an invoice (pay by invoice), shared by the registration and manage forms."""

    invoice_name = StringField(
        _l("Invoice to (institution or person)"), validators=[Length(max=200)]
    )
    invoice_address = TextAreaField(_l("Billing address"), validators=[Length(max=1000)])
    invoice_country = SelectField(_l("Country of the billing address"), validate_choice=False)
    invoice_vat_id = StringField(
        _l("VAT id (optional)"),
        validators=[Length(max=20)],
        description=_l("An EU VAT id of another EU country than the organizer's: reverse charge."),
    )
    invoice_po_number = StringField(
        _l("Purchase order number (optional)"), validators=[Length(max=60)]
    )

    #: Service field name -> form field name.
    ALIASES = {
        "invoice_to": "invoice_name",
        "invoice_to.name": "invoice_name",
        "invoice_to.address": "invoice_address",
        "invoice_to.country": "invoice_country",
        "invoice_to.vat_id": "invoice_vat_id",
        "invoice_to.po_number": "invoice_po_number",
    }

    def invoice_to(self) -> dict:
        return {
            "name": self.invoice_name.data,
            "address": self.invoice_address.data,
            "country": self.invoice_country.data,
            "vat_id": self.invoice_vat_id.data,
            "po_number": self.invoice_po_number.data,
        }


class RegistrationForm(InvoiceToFields, FlaskForm):
    first_name = StringField(_l("First name"), validators=[Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Length(max=100)])
    email = StringField(_l("Email"), validators=[Length(max=254)])
    affiliation = StringField(_l("Affiliation (institution)"), validators=[Length(max=300)])
    country = SelectField(_l("Country"), validate_choice=False)
    category = SelectField(_l("Professional category"), validate_choice=False)
    proof = FileField(
        _l("Proof of status (PDF, PNG or JPEG, up to 5 MB)"),
        description=_l("Only for categories that ask for it."),
    )
    badge_name = StringField(
        _l("Name on badge"),
        validators=[Length(max=100)],
        description=_l("Leave empty to print your first and last name."),
    )
    dietary = StringField(_l("Dietary needs"), validators=[Length(max=500)])
    accessibility = StringField(_l("Accessibility needs"), validators=[Length(max=500)])
    share_with_exhibitors = BooleanField(
        _l("I agree that exhibitors may receive my contact details (optional)")
    )
    voucher = StringField(
        _l("Voucher code"),
        validators=[Length(max=40)],
        description=_l("If you received one (invited faculty, sponsored places)."),
    )
    accept_terms = BooleanField(_l("I accept the registration terms and cancellation policy"))
    pay_by_invoice = BooleanField(_l("My institution pays: send an invoice to the address below"))
    submission_key = HiddenField()
    submit = SubmitField(_l("Register"))


class InvoiceRequestForm(InvoiceToFields, FlaskForm):
    submit = SubmitField(_l("Ask for an invoice"))


class PayForm(FlaskForm):
    submit = SubmitField(_l("Pay now by card"))


class DetailsForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    affiliation = StringField(_l("Affiliation"), validators=[Length(max=300)])
    country = SelectField(_l("Country"), validators=[DataRequired()])
    badge_name = StringField(_l("Name on badge"), validators=[Length(max=100)])
    dietary = StringField(_l("Dietary needs"), validators=[Length(max=500)])
    accessibility = StringField(_l("Accessibility needs"), validators=[Length(max=500)])
    share_with_exhibitors = BooleanField(_l("Exhibitors may receive my contact details"))
    submit = SubmitField(_l("Save my details"))


class ProofForm(FlaskForm):
    proof = FileField(_l("Proof of status (PDF, PNG or JPEG, up to 5 MB)"))
    submit = SubmitField(_l("Upload"))


class ConfirmForm(FlaskForm):
    confirm = BooleanField(_l("Yes, I am sure"))
    reason = StringField(_l("Reason (optional)"), validators=[Length(max=300)])
    submit = SubmitField(_l("Confirm"))


class LinkRequestForm(FlaskForm):
    email = StringField(_l("Email you registered with"), validators=[DataRequired(), Email()])
    submit = SubmitField(_l("Email me a new link"))


class PaymentForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[(kind.value, kind.label) for kind in RECORDABLE_KINDS],
        default="bank_transfer",
    )
    amount = StringField(_l("Amount"), description=_l("Empty for a waiver: waives what is due."))
    note = StringField(_l("Bank reference / slip number / reason"), validators=[Length(max=300)])
    idempotency_key = HiddenField()
    submit = SubmitField(_l("Record payment"))


class VerifyForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[("approve", _l("Approve")), ("refuse", _l("Refuse"))],
        default="approve",
    )
    reason = StringField(
        _l("Reason for refusing (sent to the attendee)"), validators=[Length(max=500)]
    )
    submit = SubmitField(_l("Save decision"))


class CheckInForm(FlaskForm):
    query = StringField(_l("Reference or name"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Check in"))


class DeskPaymentForm(FlaskForm):
    """Money taken at the check-in desk (the amount due unless another is typed)."""

    kind = RadioField(
        _l("Paid by"),
        choices=[(kind.value, kind.label) for kind in DESK_KINDS],
        default="card_on_site",
    )
    amount = StringField(
        _l("Amount received"), description=_l("The amount due unless you change it.")
    )
    note = StringField(_l("Card slip number (internal)"), validators=[Length(max=300)])
    idempotency_key = HiddenField()
    submit = SubmitField(_l("Take payment"))


class BadgeNameForm(FlaskForm):
    badge_name = StringField(
        _l("Name on badge"),
        validators=[Length(max=100)],
        description=_l("Empty: first and last name."),
    )
    submit = SubmitField(_l("Correct badge name"))


class VisaRequestForm(FlaskForm):
    passport_number = StringField(_l("Passport number"), validators=[Length(max=40)])
    nationality = SelectField(_l("Nationality (as in the passport)"), validate_choice=False)
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    submit = SubmitField(_l("Request a visa invitation letter"))


class SettingsForm(FlaskForm):
    capacity = IntegerField(
        _l("Places for the whole congress"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        description=_l("Empty: unlimited."),
    )
    payment_days = IntegerField(
        _l("Days to pay before an unpaid registration expires"),
        validators=[InputRequired(), NumberRange(min=1, max=365)],
    )
    offer_hours = IntegerField(
        _l("Hours a waiting-list offer stays open"),
        validators=[InputRequired(), NumberRange(min=1, max=24 * 90)],
    )
    proof_hours = IntegerField(
        _l("Hours a place is held while a proof of status is missing or was refused"),
        validators=[InputRequired(), NumberRange(min=1, max=24 * 90)],
        description=_l("The registrant is reminded halfway; then the place goes back to the pool."),
    )
    invoice_reminder_days = IntegerField(
        _l("Days before an unpaid invoice is due to remind its buyer"),
        validators=[Optional(), NumberRange(min=1, max=365)],
        description=_l("Pay by invoice holds the place until the invoice's due date."),
    )
    group_deadline_days = IntegerField(
        _l("Days before the congress starts when group orders must have named their delegates"),
        validators=[Optional(), NumberRange(min=0, max=365)],
        description=_l("Unnamed places are then given back, unless the order keeps them."),
    )
    group_buyer_can_cancel = BooleanField(
        _l("Group buyers may cancel their whole order themselves until the naming deadline"),
        description=_l("Only orders with nothing paid yet; otherwise the organizers refund."),
    )
    visa_signatory_name = StringField(
        _l("Signatory of visa invitation letters"), validators=[Length(max=200)]
    )
    visa_signatory_title = StringField(
        _l("Signatory's title"),
        validators=[Length(max=200)],
        description=_l("e.g. Congress President"),
    )
    visa_retention_days = IntegerField(
        _l("Days after the congress before passport data of visa requests is erased"),
        validators=[InputRequired(), NumberRange(min=0, max=365)],
    )
    submit = SubmitField(_l("Save settings"))


class ProfileCategoryForm(FlaskForm):
    category_id = SelectField(_l("Professional category"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Save category"))


class GroupOrderForm(InvoiceToFields, FlaskForm):
    """A buyer's group order; the quantities per category are read as `quantity-<slug>`."""

    buyer_name = StringField(_l("Company or institution"), validators=[Length(max=200)])
    buyer_email = StringField(
        _l("Email for the order's private link"), validators=[Length(max=254)]
    )
    is_industry = BooleanField(
        _l(
            "We are a company of the healthcare industry paying for healthcare professionals "
            "(recorded for transparency reports)"
        )
    )
    submit = SubmitField(_l("Order and receive the invoice"))

    ALIASES = {
        **InvoiceToFields.ALIASES,
        "buyer.name": "buyer_name",
        "buyer.email": "buyer_email",
    }


class DelegateForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Length(max=100)])
    email = StringField(_l("Email"), validators=[Length(max=254)])
    affiliation = StringField(_l("Affiliation (optional)"), validators=[Length(max=300)])
    submit = SubmitField(_l("Save delegate"))


class GroupReleaseForm(FlaskForm):
    submit = SubmitField(_l("Release the unnamed places now"))


class GroupCancelForm(FlaskForm):
    reason = StringField(
        _l("Reason for cancelling the whole order"), validators=[DataRequired(), Length(max=250)]
    )
    submit = SubmitField(_l("Cancel the whole order"))


class GroupRefundForm(FlaskForm):
    reference = StringField(
        _l("Bank transfer reference of the refund"), validators=[Length(max=120)]
    )
    submit = SubmitField(_l("Record the refund to the buyer"))


class GroupKeepForm(FlaskForm):
    keep_unfilled = BooleanField(_l("Keep unnamed places after the naming deadline"))
    submit = SubmitField(_l("Save"))
