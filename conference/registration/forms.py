"""Forms of the registration domain (organizer and attendee)."""

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

AMOUNT_HELP = "In the congress currency, e.g. 450.00; empty: not offered in this period."


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        "Slug",
        validators=[Optional(), Length(max=120)],
        description="Used in URLs and the API; made from the name when empty.",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    requires_proof = BooleanField("Needs proof of status (checked by an organizer)")
    proof_hint = StringField("What proof is asked for", validators=[Optional(), Length(max=300)])
    is_prescriber = BooleanField("Healthcare professional who may prescribe (shown on badge)")
    is_cme_eligible = BooleanField("Can earn CME credit")
    position = IntegerField("Order", validators=[Optional(), NumberRange(0, 100000)])
    is_active = BooleanField("Open for registration", default=True)
    fee_early = StringField("Early fee", description=AMOUNT_HELP)
    fee_regular = StringField("Regular fee", description=AMOUNT_HELP)
    fee_onsite = StringField("On-site fee", description=AMOUNT_HELP)
    capacity = IntegerField(
        "Places for this category",
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        description="Empty: only the congress capacity applies.",
    )
    cancellation_fee = StringField(
        "Cancellation fee", description="Kept from the refund when cancelling before the deadline."
    )
    submit = SubmitField("Save category")


class InvoiceToFields:
    """The buyer of an invoice (pay by invoice), shared by the registration and manage forms."""

    invoice_name = StringField("Invoice to (institution or person)", validators=[Length(max=200)])
    invoice_address = TextAreaField("Billing address", validators=[Length(max=1000)])
    invoice_country = SelectField("Country of the billing address", validate_choice=False)
    invoice_vat_id = StringField(
        "VAT id (optional)",
        validators=[Length(max=20)],
        description="An EU VAT id of another EU country than the organizer's: reverse charge.",
    )
    invoice_po_number = StringField("Purchase order number (optional)", validators=[Length(max=60)])

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
    first_name = StringField("First name", validators=[Length(max=100)])
    last_name = StringField("Last name", validators=[Length(max=100)])
    email = StringField("Email", validators=[Length(max=254)])
    affiliation = StringField("Affiliation (institution)", validators=[Length(max=300)])
    country = SelectField("Country", validate_choice=False)
    category = SelectField("Professional category", validate_choice=False)
    proof = FileField(
        "Proof of status (PDF, PNG or JPEG, up to 5 MB)",
        description="Only for categories that ask for it.",
    )
    badge_name = StringField(
        "Name on badge",
        validators=[Length(max=100)],
        description="Leave empty to print your first and last name.",
    )
    dietary = StringField("Dietary needs", validators=[Length(max=500)])
    accessibility = StringField("Accessibility needs", validators=[Length(max=500)])
    share_with_exhibitors = BooleanField(
        "I agree that exhibitors may receive my contact details (optional)"
    )
    voucher = StringField(
        "Voucher code",
        validators=[Length(max=40)],
        description="If you received one (invited faculty, sponsored places).",
    )
    accept_terms = BooleanField("I accept the registration terms and cancellation policy")
    pay_by_invoice = BooleanField("My institution pays: send an invoice to the address below")
    submission_key = HiddenField()
    submit = SubmitField("Register")


class InvoiceRequestForm(InvoiceToFields, FlaskForm):
    submit = SubmitField("Ask for an invoice")


class PayForm(FlaskForm):
    submit = SubmitField("Pay now by card")


class DetailsForm(FlaskForm):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    affiliation = StringField("Affiliation", validators=[Length(max=300)])
    country = SelectField("Country", validators=[DataRequired()])
    badge_name = StringField("Name on badge", validators=[Length(max=100)])
    dietary = StringField("Dietary needs", validators=[Length(max=500)])
    accessibility = StringField("Accessibility needs", validators=[Length(max=500)])
    share_with_exhibitors = BooleanField("Exhibitors may receive my contact details")
    submit = SubmitField("Save my details")


class ProofForm(FlaskForm):
    proof = FileField("Proof of status (PDF, PNG or JPEG, up to 5 MB)")
    submit = SubmitField("Upload")


class ConfirmForm(FlaskForm):
    confirm = BooleanField("Yes, I am sure")
    reason = StringField("Reason (optional)", validators=[Length(max=300)])
    submit = SubmitField("Confirm")


class LinkRequestForm(FlaskForm):
    email = StringField("Email you registered with", validators=[DataRequired(), Email()])
    submit = SubmitField("Email me a new link")


class PaymentForm(FlaskForm):
    kind = SelectField(
        "Kind",
        choices=[(kind.value, kind.label) for kind in RECORDABLE_KINDS],
        default="bank_transfer",
    )
    amount = StringField("Amount", description="Empty for a waiver: waives what is due.")
    note = StringField("Bank reference / slip number / reason", validators=[Length(max=300)])
    idempotency_key = HiddenField()
    submit = SubmitField("Record payment")


class VerifyForm(FlaskForm):
    decision = RadioField(
        "Decision", choices=[("approve", "Approve"), ("refuse", "Refuse")], default="approve"
    )
    reason = StringField("Reason for refusing (sent to the attendee)", validators=[Length(max=500)])
    submit = SubmitField("Save decision")


class CheckInForm(FlaskForm):
    query = StringField("Reference or name", validators=[DataRequired(), Length(max=120)])
    submit = SubmitField("Check in")


class DeskPaymentForm(FlaskForm):
    """Money taken at the check-in desk (the amount due unless another is typed)."""

    kind = RadioField(
        "Paid by",
        choices=[(kind.value, kind.label) for kind in DESK_KINDS],
        default="card_on_site",
    )
    amount = StringField("Amount received", description="The amount due unless you change it.")
    note = StringField("Card slip number (internal)", validators=[Length(max=300)])
    idempotency_key = HiddenField()
    submit = SubmitField("Take payment")


class BadgeNameForm(FlaskForm):
    badge_name = StringField(
        "Name on badge",
        validators=[Length(max=100)],
        description="Empty: first and last name.",
    )
    submit = SubmitField("Correct badge name")


class VisaRequestForm(FlaskForm):
    passport_number = StringField("Passport number", validators=[Length(max=40)])
    nationality = SelectField("Nationality (as in the passport)", validate_choice=False)
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    submit = SubmitField("Request a visa invitation letter")


class SettingsForm(FlaskForm):
    capacity = IntegerField(
        "Places for the whole congress",
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        description="Empty: unlimited.",
    )
    payment_days = IntegerField(
        "Days to pay before an unpaid registration expires",
        validators=[InputRequired(), NumberRange(min=1, max=365)],
    )
    offer_hours = IntegerField(
        "Hours a waiting-list offer stays open",
        validators=[InputRequired(), NumberRange(min=1, max=24 * 90)],
    )
    proof_hours = IntegerField(
        "Hours a place is held while a proof of status is missing or was refused",
        validators=[InputRequired(), NumberRange(min=1, max=24 * 90)],
        description="The registrant is reminded halfway; then the place goes back to the pool.",
    )
    invoice_reminder_days = IntegerField(
        "Days before an unpaid invoice is due to remind its buyer",
        validators=[Optional(), NumberRange(min=1, max=365)],
        description="Pay by invoice holds the place until the invoice's due date.",
    )
    group_deadline_days = IntegerField(
        "Days before the congress starts when group orders must have named their delegates",
        validators=[Optional(), NumberRange(min=0, max=365)],
        description="Unnamed places are then given back, unless the order keeps them.",
    )
    visa_signatory_name = StringField(
        "Signatory of visa invitation letters", validators=[Length(max=200)]
    )
    visa_signatory_title = StringField(
        "Signatory's title", validators=[Length(max=200)], description="e.g. Congress President"
    )
    visa_retention_days = IntegerField(
        "Days after the congress before passport data of visa requests is erased",
        validators=[InputRequired(), NumberRange(min=0, max=365)],
    )
    submit = SubmitField("Save settings")


class ProfileCategoryForm(FlaskForm):
    category_id = SelectField("Professional category", coerce=int, validators=[Optional()])
    submit = SubmitField("Save category")


class GroupOrderForm(InvoiceToFields, FlaskForm):
    """A buyer's group order; the quantities per category are read as `quantity-<slug>`."""

    buyer_name = StringField("Company or institution", validators=[Length(max=200)])
    buyer_email = StringField("Email for the order's private link", validators=[Length(max=254)])
    is_industry = BooleanField(
        "We are a company of the healthcare industry paying for healthcare professionals "
        "(recorded for transparency reports)"
    )
    submit = SubmitField("Order and receive the invoice")

    ALIASES = {
        **InvoiceToFields.ALIASES,
        "buyer.name": "buyer_name",
        "buyer.email": "buyer_email",
    }


class DelegateForm(FlaskForm):
    first_name = StringField("First name", validators=[Length(max=100)])
    last_name = StringField("Last name", validators=[Length(max=100)])
    email = StringField("Email", validators=[Length(max=254)])
    affiliation = StringField("Affiliation (optional)", validators=[Length(max=300)])
    submit = SubmitField("Save delegate")


class GroupReleaseForm(FlaskForm):
    submit = SubmitField("Release the unnamed places now")


class GroupCancelForm(FlaskForm):
    reason = StringField(
        "Reason for cancelling the whole order", validators=[DataRequired(), Length(max=250)]
    )
    submit = SubmitField("Cancel the whole order")


class GroupKeepForm(FlaskForm):
    keep_unfilled = BooleanField("Keep unnamed places after the naming deadline")
    submit = SubmitField("Save")
