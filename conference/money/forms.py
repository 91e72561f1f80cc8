"""Forms of the money domain (organizer pages)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

RATE_HELP = "In percent, e.g. 20 or 5.5; 0 when exempt."


class SellerProfileForm(FlaskForm):
    legal_name = StringField("Legal name of the organizer", validators=[Length(max=200)])
    address = TextAreaField(
        "Address", validators=[Length(max=1000)], description="Street, postcode and city."
    )
    country = SelectField("Country", validate_choice=False)
    vat_id = StringField(
        "VAT id",
        validators=[Length(max=30)],
        description="With the country prefix, e.g. ATU13585627.",
    )
    registration_number = StringField("Company registration number", validators=[Length(max=60)])
    account_holder = StringField("Account holder", validators=[Length(max=200)])
    iban = StringField("IBAN", validators=[Length(max=50)])
    bic = StringField("BIC", validators=[Length(max=15)])
    bank_name = StringField("Bank", validators=[Length(max=200)])
    payment_terms_days = IntegerField(
        "Payment terms (days)",
        validators=[InputRequired(message="Enter the number of days."), NumberRange(0, 365)],
        default=30,
    )
    prices_include_vat = BooleanField("Fees include VAT (the gross amount is fixed)", default=True)
    vat_rate_registration = StringField("VAT rate: registration", description=RATE_HELP)
    vat_rate_abstract_fee = StringField("VAT rate: abstract fees", description=RATE_HELP)
    vat_rate_sponsorship = StringField("VAT rate: sponsorship", description=RATE_HELP)
    invoice_series = StringField(
        "Invoice series",
        validators=[Length(max=20)],
        description="Capital letters and digits, e.g. MET26: numbers read MET26-2026-00042.",
    )
    submit = SubmitField("Save seller profile")


class InvoiceFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Number, buyer or VAT id", validators=[Optional(), Length(max=120)])
    kind = SelectField(
        "Type",
        choices=[
            ("", "Invoices and credit notes"),
            ("invoice", "Invoices"),
            ("credit_note", "Credit notes"),
        ],
        validators=[Optional()],
    )
    state = SelectField(
        "Payment",
        choices=[("", "Any"), ("open", "Outstanding"), ("paid", "Settled")],
        validators=[Optional()],
    )
    date_from = DateField("Issued from", validators=[Optional()])
    date_to = DateField("Issued until", validators=[Optional()])


class PaymentForm(FlaskForm):
    amount = StringField("Amount received", validators=[InputRequired(), Length(max=20)])
    method = SelectField(
        "Method",
        choices=[
            ("bank_transfer", "Bank transfer"),
            ("card", "Card on site"),
            ("online_card", "Card online"),
            ("cash", "Cash"),
            ("other", "Other"),
        ],
    )
    reference = StringField("Reference", validators=[Length(max=120)])
    submit = SubmitField("Record payment")


class CancelForm(FlaskForm):
    reason = StringField("Reason", validators=[InputRequired(), Length(max=300)])
    submit = SubmitField("Cancel with a credit note")


class RefundForm(FlaskForm):
    amount = StringField("Amount to refund", validators=[InputRequired(), Length(max=20)])
    reason = StringField("Reason", validators=[InputRequired(), Length(max=300)])
    submit = SubmitField("Refund with a credit note")


class CorrectForm(FlaskForm):
    buyer_name = StringField("Buyer name", validators=[InputRequired(), Length(max=200)])
    buyer_address = TextAreaField("Buyer address", validators=[Length(max=1000)])
    buyer_country = SelectField("Buyer country", validate_choice=False)
    buyer_vat_id = StringField("Buyer VAT id", validators=[Length(max=30)])
    buyer_email = StringField("Buyer email", validators=[Length(max=254)])
    reason = StringField("Reason", validators=[InputRequired(), Length(max=300)])
    submit = SubmitField("Cancel and reissue to this buyer")


class VoucherSwitchForm(FlaskForm):
    """Disable ("1") or enable ("0") one voucher code."""

    disabled = HiddenField(validators=[AnyOf(["0", "1"])])


class VoucherForm(FlaskForm):
    """One voucher, or a batch of `count` alike (each with its own code)."""

    count = IntegerField(
        "How many codes",
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
        description="More than one: a batch, e.g. 40 for invited faculty.",
    )
    kind = SelectField(
        "Voucher gives",
        choices=[
            ("free_place", "A free place"),
            ("percent", "A percentage off"),
            ("fixed", "An amount off"),
        ],
    )
    percent = StringField("Percent off", description="For a percentage, e.g. 20 or 12.5.")
    amount = StringField("Amount off", description="For an amount, e.g. 100.00.")
    categories = SelectMultipleField(
        "Only for the categories",
        coerce=int,
        validate_choice=False,
        description="None selected: every category.",
    )
    max_uses = IntegerField(
        "Uses per code",
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=100000)],
    )
    valid_from = DateTimeLocalField(
        "Valid from",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description="Congress time; empty: at once.",
    )
    valid_until = DateTimeLocalField(
        "Valid until",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description="Congress time; empty: no end.",
    )
    label = StringField(
        "Batch label",
        validators=[Length(max=100)],
        description="E.g. Invited faculty or Sponsor: Acme Pharma.",
    )
    prefix = StringField(
        "Code prefix",
        validators=[Length(max=10)],
        description="Up to 10 letters and digits, e.g. FAC.",
    )
    submit = SubmitField("Create")


class OverviewFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            from wtforms.validators import ValidationError

            raise ValidationError("The end date is before the start date.")


class StatementForm(FlaskForm):
    statement_file = FileField(
        "Bank statement (CSV, up to 1 MB)",
        description="Columns date, amount, currency, reference, payer name, in any order; "
        "separated by ; or , with a decimal comma or point (German and English exports).",
    )
    statement_text = TextAreaField("Or paste the statement", validators=[Length(max=1_000_000)])
    submit = SubmitField("Match the transfers")


class ConfirmStatementForm(FlaskForm):
    statement = HiddenField(validators=[InputRequired()])
    token = HiddenField(validators=[InputRequired()])
    submit = SubmitField("Record the selected bank transfers")
