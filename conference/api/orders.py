"""API of group orders (registration domain): a buyer orders several places on one invoice
and names the delegates later. Handlers call conference.registration.group_orders.

The buyer authenticates an order with its private token (`X-Order-Token` header, from the
link emailed to the buyer; never returned by the API); organizers with a Bearer token.
"""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from conference.api.auth import bearer_user, organizer_token_required
from conference.api.registration import InvoiceToSchema
from conference.api.responses import MoneyOut
from conference.api.schemas import Integer
from conference.errors import NotFound
from conference.extensions import db
from conference.program.queries import get_current_congress
from conference.registration import group_orders
from conference.registration.limits import limit_api_registration
from conference.security import mark_personal

blp = Blueprint("api_orders", __name__, url_prefix="/api/v1", description="Group orders")


class BuyerSchema(Schema):
    name = fields.String(required=True, metadata={"example": "Roche Austria GmbH"})
    email = fields.String(required=True, metadata={"example": "events@roche.example"})


class ItemSchema(Schema):
    category = fields.String(required=True, metadata={"example": "oncologist"})
    quantity = Integer(required=True, metadata={"example": 3})


class DelegateSchema(Schema):
    place = Integer(
        allow_none=True,
        load_default=None,
        metadata={"description": "A place id: edit that place's delegate (or name it)."},
    )
    category = fields.String(
        load_default="", metadata={"description": "Fill the next unnamed place of this category."}
    )
    first_name = fields.String(load_default="")
    last_name = fields.String(load_default="")
    email = fields.String(load_default="")
    affiliation = fields.String(load_default="")
    badge_name = fields.String(load_default="")


class OrderInSchema(Schema):
    buyer = fields.Nested(BuyerSchema, required=True)
    invoice_to = fields.Nested(InvoiceToSchema, required=True)
    items = fields.List(fields.Nested(ItemSchema), required=True)
    delegates = fields.List(fields.Nested(DelegateSchema), load_default=list)
    is_industry = fields.Boolean(
        load_default=False,
        metadata={"description": "The payer is industry paying for healthcare professionals."},
    )
    keep_unfilled = fields.Boolean(load_default=False)


class DelegatesInSchema(Schema):
    delegates = fields.List(fields.Nested(DelegateSchema), required=True)


class PlaceOut(Schema):
    id = fields.Integer()
    category = fields.String()
    unit_price = fields.Nested(MoneyOut)
    status = fields.String(metadata={"description": "unnamed, named or released"})
    registration = fields.String(allow_none=True, metadata={"description": "Its reference"})
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class OrderOut(Schema):
    reference = fields.String()
    buyer_name = fields.String()
    is_industry = fields.Boolean()
    keep_unfilled = fields.Boolean()
    invoice_number = fields.String(allow_none=True)
    total = fields.Nested(MoneyOut)
    paid_at = fields.String(allow_none=True)
    cancelled_at = fields.String(allow_none=True)
    outstanding = fields.Nested(
        MoneyOut,
        metadata={"description": "What the invoice still owes after payments and credit notes."},
    )
    refund_due = fields.Nested(
        MoneyOut,
        metadata={
            "description": "Paid beyond what the invoice still charges (places given back after "
            "payment): to be refunded to the buyer (POST .../refund once done)."
        },
    )
    naming_deadline = fields.String()
    places = fields.List(fields.Nested(PlaceOut))


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return congress


def _money(amount, currency) -> dict:
    return {"amount": str(amount), "currency": currency}


def order_json(order, invoice=None) -> dict:
    from decimal import Decimal

    from conference.money.queries import get_balance

    invoice = invoice or group_orders.order_invoice(order)
    places = []
    for place in order.places:
        registration = place.registration
        places.append(
            {
                "id": place.id,
                "category": place.category.slug,
                "unit_price": _money(place.unit_price, order.currency),
                "status": "named"
                if registration is not None
                else ("released" if place.released_at else "unnamed"),
                "registration": registration.reference if registration else None,
                "first_name": registration.first_name if registration else None,
                "last_name": registration.last_name if registration else None,
                "email": registration.email if registration else None,
            }
        )
    return {
        "reference": order.reference,
        "buyer_name": order.buyer_name,
        "is_industry": order.is_industry,
        "keep_unfilled": order.keep_unfilled,
        "invoice_number": order.invoice_number,
        "total": _money(
            invoice.total_gross if invoice is not None else Decimal("0.00"), order.currency
        ),
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
        "cancelled_at": order.cancelled_at.isoformat() if order.cancelled_at else None,
        "outstanding": _money(
            get_balance(invoice).outstanding if invoice is not None else Decimal("0.00"),
            order.currency,
        ),
        "refund_due": _money(group_orders.refund_due(order), order.currency),
        "naming_deadline": group_orders.naming_deadline(order).isoformat(),
        "places": places,
    }


def _order_for_buyer(reference: str):
    """The order if the request carries its token or an organizer's token; else 401/404."""
    congress = _congress()
    token = request.headers.get("X-Order-Token", "")
    user = bearer_user()
    if not token and user is None:
        abort(401, message="Send the order token (X-Order-Token) or an organizer token.")
    try:
        order = group_orders.get_order(congress, reference)
    except NotFound:
        order = None
    if order is not None and token and group_orders.token_matches(order, token):
        mark_personal()
        return order
    if order is not None and user is not None and user.is_organizer:
        mark_personal()
        return order
    abort(404, message="No group order with this reference and token.")


@blp.route("/orders", methods=["POST"])
@limit_api_registration
@blp.arguments(OrderInSchema)
@blp.doc(
    description="Order places for a group (no token needed): one invoice to `invoice_to`, one "
    "line per category with its quantity. The places are held at once (422 "
    "`items[i].quantity` when fewer are left; nothing is created). The order's private "
    "link is emailed to `buyer.email`, never returned. Delegates can be given now or later "
    "(PATCH .../delegates) until the naming deadline."
)
@blp.alt_response(201, schema=OrderOut, description="The order, with its invoice number.")
def create_order(payload):
    """Place a group order."""
    congress = _congress()
    order, invoice = group_orders.create_group_order(
        congress,
        payload["buyer"],
        payload["invoice_to"],
        payload["items"],
        is_industry=payload["is_industry"],
        keep_unfilled=payload["keep_unfilled"],
        delegates=payload["delegates"] or None,
    )
    body = order_json(order, invoice)
    db.session.commit()
    return body, 201


@blp.route("/orders/<reference>", methods=["GET"])
@blp.doc(description="The order (order token in `X-Order-Token`, or an organizer token).")
@blp.alt_response(200, schema=OrderOut, description="The order.")
def get_order(reference):
    """A group order with its places and delegates."""
    return order_json(_order_for_buyer(reference))


@blp.route("/orders/<reference>/delegates", methods=["PATCH"])
@blp.arguments(DelegatesInSchema)
@blp.doc(
    description="Name or correct delegates (order token or organizer) until the naming "
    "deadline (409 `deadline_passed` after it). Each named delegate gets a registration and "
    "its manage link by email. 422 names fields as `delegates[i].email`, ..."
)
@blp.alt_response(200, schema=OrderOut, description="The order after the change.")
def name_delegates(payload, reference):
    """Name the delegates of a group order."""
    order = _order_for_buyer(reference)
    group_orders.fill_delegates(order, payload["delegates"])
    body = order_json(order)
    db.session.commit()
    return body


class OrderCancelSchema(Schema):
    reason = fields.String(required=True, metadata={"example": "The hospital withdrew."})


def _order_for_organizer(reference: str):
    try:
        return group_orders.get_order(_congress(), reference)
    except NotFound:
        abort(404, message="No such group order.")


@blp.route("/orders/<reference>/release", methods=["POST"])
@organizer_token_required
@blp.doc(
    security=[{"bearerAuth": []}],
    description="Organizers give back the order's unnamed places now; the order's invoice is "
    "credited for them (a credit note; `outstanding` drops). 409 `nothing_to_release`.",
)
@blp.alt_response(200, schema=OrderOut, description="The order after the release.")
def release_places(reference):
    """Release a group order's unnamed places."""
    order = _order_for_organizer(reference)
    group_orders.release_unnamed_places(order)
    body = order_json(order)
    db.session.commit()
    return body


@blp.route("/orders/<reference>/cancel", methods=["POST"])
@blp.arguments(OrderCancelSchema)
@blp.doc(
    security=[{"bearerAuth": []}],
    description="Cancel the whole order: every delegate's registration is cancelled, the places "
    "are given back and the invoice is cancelled by a credit note. Organizers (bearer token), "
    "or the buyer (`X-Order-Token`) when the congress lets buyers cancel, until the naming "
    "deadline with nothing paid (409 `cancel_not_allowed` otherwise). Money already received is "
    "then `refund_due` (POST .../refund once paid back). 422 `reason`; 409 `order_cancelled` "
    "when already cancelled.",
)
@blp.alt_response(200, schema=OrderOut, description="The cancelled order.")
def cancel_order(payload, reference):
    """Cancel a whole group order."""
    order = _order_for_buyer(reference)
    user = bearer_user()
    organizer = user is not None and user.is_organizer
    group_orders.cancel_group_order(
        order, by=user if organizer else None, reason=payload["reason"], by_buyer=not organizer
    )
    body = order_json(order)
    db.session.commit()
    return body


class OrderRefundSchema(Schema):
    reference = fields.String(
        load_default="",
        validate=validate.Length(max=120),
        metadata={"description": "The bank transfer's reference, kept with the refund."},
    )


@blp.route("/orders/<reference>/refund", methods=["POST"])
@organizer_token_required
@blp.arguments(OrderRefundSchema)
@blp.doc(
    security=[{"bearerAuth": []}],
    description="Organizers record that `refund_due` (paid beyond what the invoice still "
    "charges) was paid back to the buyer; `refund_due` becomes 0. 409 `nothing_to_refund`.",
)
@blp.alt_response(200, schema=OrderOut, description="The order after the refund.")
def refund_order(payload, reference):
    """Record the refund of what a group order's buyer is owed."""
    order = _order_for_organizer(reference)
    group_orders.refund_overpayment(order, reference=payload["reference"])
    body = order_json(order)
    db.session.commit()
    return body
