"""Organizer pages of the money domain: seller profile, invoices and credit notes."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from conference.countries import country_choices
from conference.errors import DomainError, ValidationFailed
from conference.extensions import db
from conference.models import db_int
from conference.money import card, services
from conference.money import vouchers as voucher_services
from conference.money.exports import invoices_csv, overview_csv, vouchers_csv
from conference.money.forms import (
    CancelForm,
    CardRefundRetryForm,
    ConfirmStatementForm,
    CorrectForm,
    HeldCardPaymentForm,
    InvoiceFilterForm,
    OverviewFilterForm,
    PaymentForm,
    RefundForm,
    SellerProfileForm,
    StatementForm,
    VoucherEditForm,
    VoucherForm,
    VoucherSwitchForm,
)
from conference.money.models import DocumentKind
from conference.money.queries import (
    METHOD_LABELS,
    OVERVIEW_METHODS,
    InvoiceFilters,
    get_balance,
    get_invoice_by_number,
    get_rows,
    get_seller_profile,
    get_voucher_labels,
    invoices_query,
    vouchers_query,
)
from conference.money.reconciliation import (
    STATE_LABELS,
    check_token,
    match_statement,
    record_matches,
    statement_token,
)
from conference.money.statements import MAX_BYTES, StatementError, decode, parse_statement
from conference.program.queries import get_current_congress
from conference.security import organizer_required
from conference.webforms import show_domain_error

bp = Blueprint("money", __name__)

SELLER_FIELDS = (
    "legal_name",
    "address",
    "country",
    "vat_id",
    "registration_number",
    "account_holder",
    "iban",
    "bic",
    "bank_name",
    "payment_terms_days",
    "prices_include_vat",
    "vat_rate_registration",
    "vat_rate_abstract_fee",
    "vat_rate_sponsorship",
    "invoice_series",
)


def _congress():
    return get_current_congress() or abort(404)


@bp.route("/manage/money/seller", methods=["GET", "POST"])
@organizer_required
def seller_profile():
    congress = _congress()
    profile = get_seller_profile(congress)
    form = SellerProfileForm(obj=profile)
    form.country.choices = [("", "Choose a country"), *country_choices()]
    if request.method == "GET" and profile is None:
        form.country.data = congress.country
        form.invoice_series.data = congress.short_name.upper()[:12]
        for name in ("vat_rate_registration", "vat_rate_abstract_fee", "vat_rate_sponsorship"):
            getattr(form, name).data = "20.00"
    if form.validate_on_submit():
        try:
            services.update_seller_profile(
                congress, **{name: getattr(form, name).data for name in SELLER_FIELDS}
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Seller profile saved."), "success")
            return redirect(url_for("money.seller_profile"))
    return render_template("money/seller.html", form=form, profile=profile)


def _filters(form: InvoiceFilterForm) -> InvoiceFilters:
    if not form.validate():
        return InvoiceFilters(q=(form.q.data or "")[:120])
    return InvoiceFilters(
        kind=form.kind.data or "",
        state=form.state.data or "",
        q=form.q.data or "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        series=request.args.get("series", "")[:20],
    )


@bp.route("/manage/invoices")
@organizer_required
def invoices():
    congress = _congress()
    form = InvoiceFilterForm(request.args)
    pagination = db.paginate(
        invoices_query(congress, _filters(form)),
        page=request.args.get("page", 1, type=db_int),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "money/invoices.html",
        form=form,
        pagination=pagination,
        rows=get_rows(list(pagination.items)),
        profile=get_seller_profile(congress),
    )


@bp.route("/manage/invoices.csv")
@organizer_required
def invoices_export():
    congress = _congress()
    form = InvoiceFilterForm(request.args)
    invoices = list(db.session.scalars(invoices_query(congress, _filters(form))))
    response = Response(invoices_csv(get_rows(invoices)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{congress.slug}-invoices.csv"'
    return response


def _invoice(number: str):
    invoice = get_invoice_by_number(_congress(), number)
    if invoice is None:
        abort(404)
    return invoice


def _detail(invoice, **forms):
    forms.setdefault("payment_form", PaymentForm(prefix="payment"))
    forms.setdefault("cancel_form", CancelForm(prefix="cancel"))
    forms.setdefault("refund_form", RefundForm(prefix="refund"))
    forms.setdefault("retry_form", CardRefundRetryForm(prefix="card-refund"))
    forms.setdefault("held_form", HeldCardPaymentForm(prefix="held"))
    if "correct_form" not in forms:
        forms["correct_form"] = _correct_form(
            data={
                "buyer_name": invoice.buyer_name,
                "buyer_address": invoice.buyer_address,
                "buyer_country": invoice.buyer_country,
                "buyer_vat_id": invoice.buyer_vat_id,
                "buyer_email": invoice.buyer_email,
            }
        )
    is_invoice = invoice.kind == DocumentKind.INVOICE
    balance = get_balance(invoice)
    return render_template(
        "money/invoice.html",
        invoice=invoice,
        balance=balance,
        can_credit=is_invoice and balance.creditable > 0,
        can_cancel=is_invoice and balance.creditable > 0,
        can_pay=is_invoice,
        card_refunds=card.card_refunds_of(invoice) if is_invoice else [],
        held_card_payments=(
            [c for c in card.checkouts_of(invoice) if c.status == "needs_refund"]
            if is_invoice
            else []
        ),
        **forms,
    )


@bp.route("/manage/invoices/<number>")
@organizer_required
def invoice_detail(number):
    return _detail(_invoice(number))


@bp.route("/manage/invoices/<number>.pdf")
@organizer_required
def invoice_pdf(number):
    invoice = _invoice(number)
    data = services.invoice_pdf(invoice)
    db.session.commit()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _act(invoice, form, action, success: str, form_name: str):
    """Run one service for a posted form; on a refused input show the errors by the fields."""
    if form.validate_on_submit():
        try:
            action()
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(success, "success")
            return redirect(url_for("money.invoice_detail", number=invoice.number))
    return _detail(invoice, **{form_name: form}), 422


@bp.route("/manage/invoices/<number>/payments", methods=["POST"])
@organizer_required
def record_payment(number):
    invoice = _invoice(number)
    form = PaymentForm(prefix="payment")
    return _act(
        invoice,
        form,
        lambda: services.record_invoice_payment(
            invoice, form.amount.data, method=form.method.data, reference=form.reference.data
        ),
        "Payment recorded.",
        "payment_form",
    )


@bp.route("/manage/invoices/<number>/cancel", methods=["POST"])
@organizer_required
def cancel(number):
    invoice = _invoice(number)
    form = CancelForm(prefix="cancel")
    return _act(
        invoice,
        form,
        lambda: services.cancel_invoice(invoice, form.reason.data),
        "The invoice is cancelled by a credit note.",
        "cancel_form",
    )


@bp.route("/manage/invoices/<number>/refund", methods=["POST"])
@organizer_required
def refund(number):
    """Refund with a credit note; money paid by card goes back through the provider."""
    invoice = _invoice(number)
    form = RefundForm(prefix="refund")
    if not form.validate_on_submit():
        return _detail(invoice, refund_form=form), 422
    try:
        note, card_refunds = card.refund_to_buyer(invoice, form.amount.data, form.reason.data)
        db.session.commit()  # the credit note and the pending card refunds, before the provider
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return _detail(invoice, refund_form=form), 422
    failed = card.send_card_refunds(card_refunds, just_written=True)
    db.session.commit()
    if failed:
        flash(
            _(
                "Credit note %(number)s is issued, but the payment service did not make the "
                "card refund: it is listed below as waiting for a refund. Retry it there.",
                number=note.number,
            ),
            "warning",
        )
    elif card_refunds:
        flash(
            _(
                "Credit note %(number)s is issued and the money went back to the card.",
                number=note.number,
            ),
            "success",
        )
    else:
        flash(_("The refund is recorded and its credit note issued."), "success")
    return redirect(url_for("money.invoice_detail", number=invoice.number))


@bp.route("/manage/invoices/<number>/card-refunds/<int:refund_id>/retry", methods=["POST"])
@organizer_required
def retry_card_refund(number, refund_id):
    """Ask the provider again for a card refund it did not make (never refunds twice)."""
    invoice = _invoice(number)
    try:
        refund = card.get_card_refund(invoice, refund_id)
    except DomainError:
        abort(404)
    form = CardRefundRetryForm(prefix="card-refund")
    if not form.validate_on_submit():
        abort(400)
    failed = card.send_card_refunds([refund])
    db.session.commit()
    if failed:
        flash(
            _("The payment service did not make the card refund: %(reason)s", reason=refund.note),
            "warning",
        )
    else:
        flash(_("The card refund is made."), "success")
    return redirect(url_for("money.invoice_detail", number=invoice.number))


@bp.route("/manage/invoices/<number>/card-payments/<int:checkout_id>/refund", methods=["POST"])
@organizer_required
def refund_held_card_payment(number, checkout_id):
    """Refund a late card payment of this invoice's sale whose automatic refund failed."""
    invoice = _invoice(number)
    checkout = next((c for c in card.checkouts_of(invoice) if c.id == checkout_id), None)
    if checkout is None:
        abort(404)
    form = HeldCardPaymentForm(prefix="held")
    if not form.validate_on_submit():
        abort(400)
    try:
        card.refund_held_payment(checkout)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(_("The card payment was refunded through the payment service."), "success")
    return redirect(url_for("money.invoice_detail", number=invoice.number))


def _correct_form(**kwargs) -> CorrectForm:
    form = CorrectForm(prefix="correct", **kwargs)
    form.buyer_country.choices = [("", "No country"), *country_choices()]
    return form


@bp.route("/manage/invoices/<number>/correct", methods=["POST"])
@organizer_required
def correct(number):
    invoice = _invoice(number)
    form = _correct_form()
    if form.validate_on_submit():
        buyer = services.Buyer(
            name=form.buyer_name.data,
            address=form.buyer_address.data,
            country=form.buyer_country.data,
            vat_id=form.buyer_vat_id.data,
            email=form.buyer_email.data,
        )
        try:
            _note, new = services.correct_invoice(invoice, buyer, form.reason.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(
                _(
                    "Invoice %(number)s is cancelled by a credit note and reissued as %(number2)s.",
                    number=invoice.number,
                    number2=new.number,
                ),
                "success",
            )
            return redirect(url_for("money.invoice_detail", number=new.number))
    return _detail(invoice, correct_form=form), 422


# -- vouchers -----------------------------------------------------------------------------------


def _category_names(congress) -> dict[int, str]:
    from conference.registration.queries import get_categories

    return {category.id: category.display_name for category in get_categories(congress)}


def _render_vouchers(congress, form, status=200):
    label = request.args.get("label", "")
    names = _category_names(congress)
    form.categories.choices = list(names.items())
    vouchers = list(db.session.scalars(vouchers_query(congress, label)))
    return (
        render_template(
            "money/vouchers.html",
            form=form,
            vouchers=vouchers,
            labels=get_voucher_labels(congress),
            label=label,
            category_names=names,
        ),
        status,
    )


@bp.route("/manage/vouchers")
@organizer_required
def vouchers():
    return _render_vouchers(_congress(), VoucherForm(formdata=None))


@bp.route("/manage/vouchers", methods=["POST"])
@organizer_required
def create_vouchers():
    """Create one voucher or a batch; then list that batch."""
    from flask_login import current_user

    from conference.timeutil import local_to_utc

    congress = _congress()
    form = VoucherForm()
    names = _category_names(congress)
    form.categories.choices = list(names.items())
    if form.validate_on_submit():
        unknown = [i for i in form.categories.data or [] if i not in names]
        try:
            if unknown:
                raise ValidationFailed(
                    _("Unknown category."),
                    fields={"categories": ["Choose categories from the list."]},
                )
            created = voucher_services.create_vouchers(
                congress,
                kind=form.kind.data,
                count=form.count.data,
                percent=form.percent.data,
                amount=form.amount.data,
                category_ids=form.categories.data or [],
                max_uses=form.max_uses.data,
                valid_from=(
                    local_to_utc(form.valid_from.data, congress.tz)
                    if form.valid_from.data
                    else None
                ),
                valid_until=(
                    local_to_utc(form.valid_until.data, congress.tz)
                    if form.valid_until.data
                    else None
                ),
                label=form.label.data,
                prefix=form.prefix.data,
                by=current_user,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(
                ngettext(
                    "%(num)d voucher code created.", "%(num)d voucher codes created.", len(created)
                ),
                "success",
            )
            return redirect(url_for("money.vouchers", label=created[0].label or None))
    return _render_vouchers(congress, form, 422)


@bp.route("/manage/vouchers/<code>/edit", methods=["GET", "POST"])
@organizer_required
def edit_voucher(code):
    """Change a voucher's uses, categories, validity window or label."""
    from conference.timeutil import local_to_utc, to_local

    congress = _congress()
    try:
        voucher = voucher_services.get_voucher(congress, code)
    except DomainError:
        abort(404)
    names = _category_names(congress)
    if request.method == "GET":
        form = VoucherEditForm(
            formdata=None,
            data={
                "max_uses": voucher.max_uses,
                "categories": list(voucher.category_ids),
                "valid_from": (
                    to_local(voucher.valid_from, congress.tz).replace(tzinfo=None)
                    if voucher.valid_from
                    else None
                ),
                "valid_until": (
                    to_local(voucher.valid_until, congress.tz).replace(tzinfo=None)
                    if voucher.valid_until
                    else None
                ),
                "label": voucher.label,
            },
        )
    else:
        form = VoucherEditForm()
    form.categories.choices = list(names.items())
    if form.validate_on_submit():
        try:
            if any(i not in names for i in form.categories.data or []):
                raise ValidationFailed(
                    _("Unknown category."),
                    fields={"categories": [_("Choose categories from the list.")]},
                )
            voucher_services.update_voucher(
                voucher,
                {
                    "max_uses": form.max_uses.data,
                    "category_ids": form.categories.data or [],
                    "valid_from": (
                        local_to_utc(form.valid_from.data, congress.tz)
                        if form.valid_from.data
                        else None
                    ),
                    "valid_until": (
                        local_to_utc(form.valid_until.data, congress.tz)
                        if form.valid_until.data
                        else None
                    ),
                    "label": form.label.data,
                },
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Voucher %(code)s saved.", code=voucher.code), "success")
            return redirect(url_for("money.vouchers", label=voucher.label or None))
    status = 422 if request.method == "POST" else 200
    return render_template("money/voucher_edit.html", form=form, voucher=voucher), status


@bp.route("/manage/vouchers/<code>/disabled", methods=["POST"])
@organizer_required
def voucher_disabled(code):
    """Disable (`disabled=1`) or re-enable (`disabled=0`) one code."""
    congress = _congress()
    form = VoucherSwitchForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        voucher = voucher_services.get_voucher(congress, code)
    except DomainError:
        abort(404)
    disabled = form.disabled.data == "1"
    voucher_services.set_voucher_disabled(voucher, disabled)
    db.session.commit()
    if disabled:
        message = _("Voucher %(code)s disabled: it is refused from now on.", code=voucher.code)
    else:
        message = _("Voucher %(code)s enabled again.", code=voucher.code)
    flash(message, "success")
    return redirect(url_for("money.vouchers", label=request.args.get("label") or None))


@bp.route("/manage/vouchers.csv")
@organizer_required
def vouchers_export():
    congress = _congress()
    vouchers = list(db.session.scalars(vouchers_query(congress, request.args.get("label", ""))))
    response = Response(vouchers_csv(vouchers, _category_names(congress)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{congress.slug}-vouchers.csv"'
    return response


# -- money overview and bank reconciliation -----------------------------------------------------


def _overview(congress, form: OverviewFilterForm):
    from conference.money.overview import build_overview

    valid = form.validate()
    return build_overview(
        congress,
        date_from=form.date_from.data if valid else None,
        date_to=form.date_to.data if valid else None,
    )


@bp.route("/manage/money")
@organizer_required
def overview():
    congress = _congress()
    form = OverviewFilterForm(request.args)
    return render_template(
        "money/overview.html",
        form=form,
        overview=_overview(congress, form),
        methods=OVERVIEW_METHODS,
        method_labels=METHOD_LABELS,
    )


@bp.route("/manage/money.csv")
@organizer_required
def overview_export():
    congress = _congress()
    form = OverviewFilterForm(request.args)
    response = Response(overview_csv(_overview(congress, form)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{congress.slug}-money.csv"'
    return response


def _read_statement(form: StatementForm) -> str | None:
    """The statement's text from the upload or the text box; errors go next to the fields."""
    upload = form.statement_file.data
    try:
        if upload and getattr(upload, "filename", ""):
            data = upload.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                raise StatementError(f"The statement is larger than {MAX_BYTES // 1000} kB.")
            return decode(data)
        if (form.statement_text.data or "").strip():
            return decode(form.statement_text.data)
    except StatementError as exc:
        form.statement_file.errors = [str(exc)]
        return None
    form.statement_file.errors = ["Choose a CSV file or paste the statement below."]
    return None


def _preview(congress, text: str):
    """Parse and match; a file that cannot be read raises StatementError."""
    statement = parse_statement(text, default_currency=congress.currency)
    return statement, match_statement(congress, statement)


@bp.route("/manage/money/reconciliation", methods=["GET", "POST"])
@organizer_required
def reconciliation():
    congress = _congress()
    form = StatementForm()
    if form.validate_on_submit():
        text = _read_statement(form)
        if text is not None:
            try:
                statement, matches = _preview(congress, text)
            except StatementError as exc:
                form.statement_file.errors = [str(exc)]
            else:
                confirm = ConfirmStatementForm(
                    statement=text, token=statement_token(congress, text)
                )
                return render_template(
                    "money/reconciliation_result.html",
                    statement=statement,
                    matches=matches,
                    confirm=confirm,
                    labels=STATE_LABELS,
                )
    failed = request.method == "POST"
    return render_template("money/reconciliation.html", form=form), 422 if failed else 200


@bp.route("/manage/money/reconciliation/confirm", methods=["POST"])
@organizer_required
def reconciliation_confirm():
    congress = _congress()
    form = ConfirmStatementForm()
    if not form.validate_on_submit() or not check_token(
        congress, form.statement.data, form.token.data
    ):
        flash(_("This statement was changed after it was matched: upload it again."), "danger")
        return redirect(url_for("money.reconciliation"))
    try:
        _statement, matches = _preview(congress, form.statement.data)
    except StatementError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("money.reconciliation"))
    chosen = {value for value in request.form.getlist("differing") if value.isdigit()}
    chosen = {int(value) for value in chosen if len(value) < 8}
    results = record_matches(congress, matches, include_differing=chosen, by=current_user)
    db.session.commit()
    recorded = [result for result in results if not result.error]
    for result in results:
        if result.error:
            flash(
                _(
                    "Line %(number)s (%(key)s): %(error)s",
                    number=result.line.number,
                    key=result.key,
                    error=result.error,
                ),
                "danger",
            )
    flash(
        ngettext(
            "%(num)d bank transfer recorded.", "%(num)d bank transfers recorded.", len(recorded)
        ),
        "success",
    )
    return redirect(url_for("money.overview"))
