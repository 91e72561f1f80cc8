"""Group order pages: the buyer's order form, the buyer's private order page (naming the
delegates) and the organizers' list and detail. Rules are in group_orders.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from conference.countries import country_choices
from conference.errors import DomainError, NotFound
from conference.extensions import db
from conference.models import utcnow
from conference.registration import group_orders
from conference.registration.fees import fee_at
from conference.registration.forms import (
    DelegateForm,
    GroupCancelForm,
    GroupKeepForm,
    GroupOrderForm,
    GroupRefundForm,
    GroupReleaseForm,
)
from conference.registration.invoicing import invoicing_available
from conference.registration.limits import limit_web_registration
from conference.registration.queries import get_categories
from conference.registration.views import bp, congress_or_404, local_time
from conference.security import mark_personal, organizer_required
from conference.webforms import show_domain_error


def _orderable(congress, now):
    """(category, fee) of the categories a group can order now."""
    rows = []
    for category in get_categories(congress):
        _period, fee = fee_at(category, now)
        if category.is_active and fee is not None and not category.requires_proof:
            rows.append((category, fee))
    return rows


@bp.route("/register/group", methods=["GET", "POST"])
@limit_web_registration
def group_order():
    congress = congress_or_404()
    now = utcnow()
    form = GroupOrderForm()
    form.invoice_country.choices = [("", _("Choose the country")), *country_choices()]
    categories = _orderable(congress, now)
    quantities = {c.slug: request.form.get(f"quantity-{c.slug}", "") for c, _ in categories}
    item_errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        items = [
            {"category": slug, "quantity": value.strip() or "0"}
            for slug, value in quantities.items()
        ]
        try:
            order, _invoice = group_orders.create_group_order(
                congress,
                {"name": form.buyer_name.data, "email": form.buyer_email.data},
                form.invoice_to(),
                items,
                is_industry=form.is_industry.data,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            slugs = list(quantities)
            for name, messages in exc.fields.items():
                if name.startswith("items[") and "]" in name:
                    index = int(name[6 : name.index("]")])
                    item_errors.setdefault(slugs[index], []).extend(messages)
                elif name == "items":
                    item_errors.setdefault("", []).extend(messages)
            others = {k: v for k, v in exc.fields.items() if not k.startswith("items")}
            show_domain_error(
                form, DomainError(exc.message, fields=others, code=exc.code), form.ALIASES
            )
        else:
            flash(
                _(
                    "Thank you: your order %(reference)s is placed. We emailed the "
                    "invoice details and the private link to name your delegates.",
                    reference=order.reference,
                ),
                "success",
            )
            return redirect(url_for("registration.group_order"))
    return render_template(
        "registration/group_order.html",
        form=form,
        categories=categories,
        quantities=quantities,
        item_errors=item_errors,
        invoicing=invoicing_available(congress),
    )


def _order_for_token(reference: str, token: str):
    congress = congress_or_404()
    try:
        order = group_orders.get_order(congress, reference)
    except NotFound:
        abort(404)
    if not group_orders.token_matches(order, token):
        abort(404)
    mark_personal()
    return order


def _render_order(
    order, *, token=None, forms=None, organizer=False, keep_form=None, cancel_form=None
):
    deadline = group_orders.naming_deadline(order)
    forms = forms or {}
    for place in order.places:
        if place.id not in forms and place.released_at is None:
            registration = place.registration
            forms[place.id] = DelegateForm(
                prefix=f"p{place.id}",
                formdata=None,
                data=(
                    {
                        "first_name": registration.first_name,
                        "last_name": registration.last_name,
                        "email": registration.email,
                        "affiliation": registration.affiliation,
                    }
                    if registration
                    else None
                ),
            )
    return render_template(
        "registration/group_order_manage.html",
        order=order,
        token=token,
        forms=forms,
        invoice=group_orders.order_invoice(order),
        deadline=local_time(deadline),
        can_edit=utcnow() < deadline and order.cancelled_at is None,
        organizer=organizer,
        keep_form=keep_form,
        release_form=GroupReleaseForm() if organizer else None,
        cancel_form=cancel_form or GroupCancelForm(formdata=None),
        refund_form=GroupRefundForm(formdata=None) if organizer else None,
        refund_due=group_orders.refund_due(order),
        buyer_can_cancel=not organizer and group_orders.buyer_can_cancel(order),
        held=sum(1 for place in order.places if place.is_held),
    )


@bp.route("/register/group/<reference>/<token>")
def group_order_manage(reference, token):
    return _render_order(_order_for_token(reference, token), token=token)


@bp.route("/register/group/<reference>/<token>/places/<int:place_id>", methods=["POST"])
def group_order_delegate(reference, token, place_id):
    order = _order_for_token(reference, token)
    if not any(place.id == place_id for place in order.places):
        abort(404)
    form = DelegateForm(prefix=f"p{place_id}")
    if form.validate_on_submit():
        data = {
            "place": place_id,
            "first_name": form.first_name.data,
            "last_name": form.last_name.data,
            "email": form.email.data,
            "affiliation": form.affiliation.data,
        }
        try:
            group_orders.fill_delegates(order, [data])
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            fields = {k.removeprefix("delegates[0]."): v for k, v in exc.fields.items()}
            show_domain_error(form, DomainError(exc.message, fields=fields, code=exc.code))
            order = _order_for_token(reference, token)
            return _render_order(order, token=token, forms={place_id: form}), 422
        flash(_("Delegate saved: they receive their registration by email."), "success")
        return redirect(
            url_for("registration.group_order_manage", reference=reference, token=token)
        )
    return _render_order(order, token=token, forms={place_id: form}), 422


@bp.route("/register/group/<reference>/<token>/cancel", methods=["POST"])
def group_order_buyer_cancel(reference, token):
    """The buyer cancels the whole order (when the congress allows it, before the deadline)."""
    order = _order_for_token(reference, token)
    form = GroupCancelForm()
    if form.validate_on_submit():
        try:
            group_orders.cancel_group_order(order, reason=form.reason.data, by_buyer=True)
            db.session.commit()
            flash(_("Group order %(reference)s cancelled.", reference=order.reference), "success")
            return redirect(
                url_for("registration.group_order_manage", reference=reference, token=token)
            )
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
            order = _order_for_token(reference, token)
    return _render_order(order, token=token, cancel_form=form), 422


@bp.route("/manage/group-orders")
@organizer_required
def group_orders_list():
    congress = congress_or_404()
    orders = db.session.scalars(group_orders.orders_query(congress)).unique().all()
    return render_template("registration/group_orders.html", orders=orders)


@bp.route("/manage/group-orders/<reference>", methods=["GET", "POST"])
@organizer_required
def group_order_detail(reference):
    congress = congress_or_404()
    try:
        order = group_orders.get_order(congress, reference)
    except NotFound:
        abort(404)
    form = GroupKeepForm(formdata=None, data={"keep_unfilled": order.keep_unfilled})
    if request.method == "POST":
        form = GroupKeepForm()
        if form.validate_on_submit():
            group_orders.set_keep_unfilled(order, form.keep_unfilled.data)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("registration.group_order_detail", reference=reference))
    return _render_order(order, organizer=True, keep_form=form)


def _organizer_order(reference):
    try:
        return group_orders.get_order(congress_or_404(), reference)
    except NotFound:
        abort(404)


@bp.route("/manage/group-orders/<reference>/release", methods=["POST"])
@organizer_required
def group_order_release(reference):
    """Give back the order's unnamed places now (the invoice is credited for them)."""
    order = _organizer_order(reference)
    if not GroupReleaseForm().validate_on_submit():
        abort(400)
    try:
        count = group_orders.release_unnamed_places(order)
        db.session.commit()
        flash(
            ngettext(
                "%(num)d unnamed place released; the invoice is credited for it.",
                "%(num)d unnamed places released; the invoice is credited for them.",
                count,
            ),
            "success",
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("registration.group_order_detail", reference=reference))


@bp.route("/manage/group-orders/<reference>/refund", methods=["POST"])
@organizer_required
def group_order_refund(reference):
    """Record that what the buyer was owed (places given back after payment) was paid back."""
    order = _organizer_order(reference)
    form = GroupRefundForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        amount = group_orders.refund_overpayment(order, reference=form.reference.data or "")
        db.session.commit()
        flash(
            _(
                "Refund of %(amount)s %(currency)s to the buyer recorded.",
                amount=amount,
                currency=order.currency,
            ),
            "success",
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("registration.group_order_detail", reference=reference))


@bp.route("/manage/group-orders/<reference>/cancel", methods=["POST"])
@organizer_required
def group_order_cancel(reference):
    """Cancel the whole order: delegates cancelled, places given back, invoice credited."""
    from flask_login import current_user

    order = _organizer_order(reference)
    form = GroupCancelForm()
    if form.validate_on_submit():
        try:
            group_orders.cancel_group_order(order, by=current_user, reason=form.reason.data)
            db.session.commit()
            flash(_("Group order %(reference)s cancelled.", reference=order.reference), "success")
            return redirect(url_for("registration.group_order_detail", reference=reference))
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
            order = _organizer_order(reference)
    keep = GroupKeepForm(formdata=None, data={"keep_unfilled": order.keep_unfilled})
    return _render_order(order, organizer=True, keep_form=keep, cancel_form=form), 422
