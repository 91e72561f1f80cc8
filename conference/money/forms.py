"""Forms of the money domain (organizer pages)."""

from flask_babel import lazy_gettext as _l
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

RATE_HELP = _l("In percent, e.g. 20 or 5.5; 0 when exempt.")


class SellerProfileForm(FlaskForm):
    legal_name = StringField(_l("Legal name of the organizer"), validators=[Length(max=200)])
    address = TextAreaField(
        _l("Address"), validators=[Length(max=1000)], description=_l("Street, postcode and city.")
    )
    country = SelectField(_l("Country"), validate_choice=False)
    vat_id = StringField(
        _l("VAT id"),
        validators=[Length(max=30)],
        description=_l("With the country prefix, e.g. ATU13585627."),
    )
    registration_number = StringField(
        _l("Company registration number"), validators=[Length(max=60)]
    )
    account_holder = StringField(_l("Account holder"), validators=[Length(max=200)])
    iban = StringField(_l("IBAN"), validators=[Length(max=50)])
    bic = StringField(_l("BIC"), validators=[Length(max=15)])
    bank_name = StringField(_l("Bank"), validators=[Length(max=200)])
    payment_terms_days = IntegerField(
        _l("Payment terms (days)"),
        validators=[InputRequired(message="Enter the number of days."), NumberRange(0, 365)],
        default=30,
    )
    prices_include_vat = BooleanField(
        _l("Fees include VAT (the gross amount is fixed)"), default=True
    )
    vat_rate_registration = StringField(_l("VAT rate: registration"), description=RATE_HELP)
    vat_rate_abstract_fee = StringField(_l("VAT rate: abstract fees"), description=RATE_HELP)
    vat_rate_sponsorship = StringField(_l("VAT rate: sponsorship"), description=RATE_HELP)
    invoice_series = StringField(
        _l("Invoice series"),
        validators=[Length(max=20)],
        description=_l("Capital letters and digits, e.g. MET26: numbers read MET26-2026-00042."),
    )
    submit = SubmitField(_l("Save seller profile"))


class InvoiceFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Number, buyer or VAT id"), validators=[Optional(), Length(max=120)])
    kind = SelectField(
        _l("Type"),
        choices=[
            ("", _l("Invoices and credit notes")),
            ("invoice", _l("Invoices")),
            ("credit_note", _l("Credit notes")),
        ],
        validators=[Optional()],
    )
    state = SelectField(
        _l("Payment"),
        choices=[("", _l("Any")), ("open", _l("Outstanding")), ("paid", _l("Settled"))],
        validators=[Optional()],
    )
    date_from = DateField(_l("Issued from"), validators=[Optional()])
    date_to = DateField(_l("Issued until"), validators=[Optional()])


class PaymentForm(FlaskForm):
    amount = StringField(_l("Amount received"), validators=[InputRequired(), Length(max=20)])
    method = SelectField(
        _l("Method"),
        choices=[
            ("bank_transfer", _l("Bank transfer")),
            ("card", _l("Card on site")),
            ("online_card", _l("Card online")),
            ("cash", _l("Cash")),
            ("other", _l("Other")),
        ],
    )
    reference = StringField(_l("Reference"), validators=[Length(max=120)])
    submit = SubmitField(_l("Record payment"))


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=300)])
    submit = SubmitField(_l("Cancel with a credit note"))


class RefundForm(FlaskForm):
    amount = StringField(_l("Amount to refund"), validators=[InputRequired(), Length(max=20)])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=300)])
    submit = SubmitField(_l("Refund with a credit note"))


class CardRefundRetryForm(FlaskForm):
    """Ask the payment provider again for a card refund it did not make."""

    submit = SubmitField(_l("Retry the card refund"))


class HeldCardPaymentForm(FlaskForm):
    """Refund a late card payment whose automatic refund failed."""

    submit = SubmitField(_l("Refund through the payment service"))


class CorrectForm(FlaskForm):
    buyer_name = StringField(_l("Buyer name"), validators=[InputRequired(), Length(max=200)])
    buyer_address = TextAreaField(_l("Buyer address"), validators=[Length(max=1000)])
    buyer_country = SelectField(_l("Buyer country"), validate_choice=False)
    buyer_vat_id = StringField(_l("Buyer VAT id"), validators=[Length(max=30)])
    buyer_email = StringField(_l("Buyer email"), validators=[Length(max=254)])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=300)])
    submit = SubmitField(_l("Cancel and reissue to this buyer"))


class VoucherSwitchForm(FlaskForm):
    """Disable ("1") or enable ("0") one voucher code."""

    disabled = HiddenField(validators=[AnyOf(["0", "1"])])


def _voucher_categories() -> SelectMultipleField:
    """The categories a voucher is limited to (creating and editing one)."""
    return SelectMultipleField(
        _l("Only for the categories"),
        coerce=int,
        validate_choice=False,
        description=_l("None selected: every category."),
    )


def _validity_window() -> tuple[DateTimeLocalField, DateTimeLocalField]:
    """A voucher's validity window, in congress time (creating and editing one)."""
    return (
        DateTimeLocalField(
            _l("Valid from"),
            format="%Y-%m-%dT%H:%M",
            validators=[Optional()],
            description=_l("Congress time; empty: at once."),
        ),
        DateTimeLocalField(
            _l("Valid until"),
            format="%Y-%m-%dT%H:%M",
            validators=[Optional()],
            description=_l("Congress time; empty: no end."),
        ),
    )


class VoucherForm(FlaskForm):
    """One voucher, or a batch of `count` alike (each with its own code)."""

    count = IntegerField(
        _l("How many codes"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
        description=_l("More than one: a batch, e.g. 40 for invited faculty."),
    )
    kind = SelectField(
        _l("Voucher gives"),
        choices=[
            ("free_place", _l("A free place")),
            ("percent", _l("A percentage off")),
            ("fixed", _l("An amount off")),
        ],
    )
    percent = StringField(_l("Percent off"), description=_l("For a percentage, e.g. 20 or 12.5."))
    amount = StringField(_l("Amount off"), description=_l("For an amount, e.g. 100.00."))
    categories = _voucher_categories()
    max_uses = IntegerField(
        _l("Uses per code"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=100000)],
    )
    valid_from, valid_until = _validity_window()
    label = StringField(
        _l("Batch label"),
        validators=[Length(max=100)],
        description=_l("E.g. Invited faculty or Sponsor: Acme Pharma."),
    )
    prefix = StringField(
        _l("Code prefix"),
        validators=[Length(max=10)],
        description=_l("Up to 10 letters and digits, e.g. FAC."),
    )
    submit = SubmitField(_l("Create"))


class VoucherEditForm(FlaskForm):
    """Change a voucher's uses, categories, validity window and label (not what it gives)."""

    max_uses = IntegerField(
        _l("Uses per code"),
        validators=[InputRequired(), NumberRange(min=1, max=100000)],
        description=_l("Not below the uses already made."),
    )
    categories = _voucher_categories()
    valid_from, valid_until = _validity_window()
    label = StringField(_l("Batch label"), validators=[Length(max=100)])
    submit = SubmitField(_l("Save the voucher"))


class OverviewFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From date"), validators=[Optional()])
    date_to = DateField(_l("To date"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            from wtforms.validators import ValidationError

            raise ValidationError("The end date is before the start date.")


class StatementForm(FlaskForm):
    statement_file = FileField(
        _l("Bank statement (CSV, up to 1 MB)"),
        description=_l(
            "Columns date, amount, currency, reference, payer name, in any order; "
            "separated by ; or , with a decimal comma or point (German and English exports)."
        ),
    )
    statement_text = TextAreaField(_l("Or paste the statement"), validators=[Length(max=1_000_000)])
    submit = SubmitField(_l("Match the transfers"))


class ConfirmStatementForm(FlaskForm):
    statement = HiddenField(validators=[InputRequired()])
    token = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Record the selected bank transfers"))
