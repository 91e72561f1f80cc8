"""The group order API: POST /api/v1/congresses/met26/orders, GET and PATCH .../delegates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.money.models import Invoice
from conference.registration import group_orders
from conference.registration.models import GroupOrder, Registration
from tests.registration.test_card_payments import seller  # noqa: F401 - fixture
from tests.registration.test_group_orders import BUYER, PHARMA, delegate


@pytest.fixture
def two_categories(seller):  # noqa: F811
    """Both categories orderable by a group: the student category without proof here."""
    from conference.registration.queries import get_category_by_slug

    get_category_by_slug(seller, "student-trainee").requires_proof = False
    db.session.commit()
    return seller


def payload(**overrides) -> dict:
    data = {
        "buyer": BUYER,
        "invoice_to": PHARMA,
        "items": [
            {"category": "oncologist", "quantity": 3},
            {"category": "student-trainee", "quantity": 2},
        ],
        "is_industry": True,
    }
    data.update(overrides)
    return data


def token_of(reference: str) -> dict:
    order = db.session.scalar(select(GroupOrder).where(GroupOrder.reference == reference))
    return {"X-Order-Token": group_orders.order_token(order)}


def test_post_order_returns_reference_invoice_number_and_amounts_as_strings(client, two_categories):
    response = client.post("/api/v1/congresses/met26/orders", json=payload())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["invoice_number"].startswith("MET26-")
    assert body["total"] == {"amount": "1650.00", "currency": "EUR"}
    assert body["is_industry"] is True
    assert [p["status"] for p in body["places"]] == ["unnamed"] * 5
    assert body["places"][0]["unit_price"] == {"amount": "450.00", "currency": "EUR"}
    assert "token" not in str(body).lower()


def test_post_order_with_delegates_names_them_at_once(client, two_categories):
    response = client.post(
        "/api/v1/congresses/met26/orders",
        json=payload(delegates=[delegate(1, category="student-trainee")]),
    )
    assert response.status_code == 201, response.get_json()
    named = [p for p in response.get_json()["places"] if p["status"] == "named"]
    assert len(named) == 1 and named[0]["category"] == "student-trainee"
    assert named[0]["registration"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"items": []}, "items"),
        ({"items": [{"category": "nope", "quantity": 1}]}, "items[0].category"),
        ({"items": [{"category": "oncologist", "quantity": 501}]}, "items[0].quantity"),
        ({"buyer": {"name": "Roche", "email": "not-an-email"}}, "buyer.email"),
        ({"invoice_to": {**PHARMA, "country": "XX"}}, "invoice_to.country"),
        ({"delegates": [delegate(1, email="x@")]}, "delegates[0].email"),
    ],
)
def test_bad_orders_are_422_naming_the_field_and_create_nothing(
    client, two_categories, changes, field
):
    response = client.post("/api/v1/congresses/met26/orders", json=payload(**changes))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count(GroupOrder.id))) == 0
    assert db.session.scalar(select(func.count(Invoice.id))) == 0


def test_an_order_larger_than_the_places_left_is_422_on_the_quantity(client, two_categories):
    from conference.registration import capacity

    capacity.get_settings(two_categories).capacity = 4
    db.session.commit()
    response = client.post("/api/v1/congresses/met26/orders", json=payload())
    assert response.status_code == 422
    assert "items[1].quantity" in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count(GroupOrder.id))) == 0


def test_patch_delegates_with_the_order_token_names_them_with_field_errors(client, two_categories):
    reference = client.post("/api/v1/congresses/met26/orders", json=payload()).get_json()[
        "reference"
    ]
    url = f"/api/v1/congresses/met26/orders/{reference}/delegates"
    bad = client.patch(
        url,
        json={"delegates": [delegate(1), delegate(2, email="nope", last_name="")]},
        headers=token_of(reference),
    )
    assert bad.status_code == 422
    assert {"delegates[1].email", "delegates[1].last_name"} <= set(
        bad.get_json()["error"]["fields"]
    )
    assert db.session.scalar(select(func.count(Registration.id))) == 0
    good = client.patch(
        url, json={"delegates": [delegate(1), delegate(2)]}, headers=token_of(reference)
    )
    assert good.status_code == 200, good.get_json()
    assert [p["status"] for p in good.get_json()["places"]].count("named") == 2


def test_another_buyers_token_or_none_cannot_see_or_change_an_order(
    client, two_categories, api_token, create_user
):
    mine = client.post("/api/v1/congresses/met26/orders", json=payload()).get_json()["reference"]
    theirs = client.post(
        "/api/v1/congresses/met26/orders",
        json=payload(buyer={"name": "Other", "email": "b@other.example"}),
    ).get_json()["reference"]
    url = f"/api/v1/congresses/met26/orders/{mine}/delegates"
    body = {"delegates": [delegate(1)]}
    assert client.patch(url, json=body).status_code == 401
    assert client.patch(url, json=body, headers=token_of(theirs)).status_code == 404
    assert (
        client.get(f"/api/v1/congresses/met26/orders/{mine}", headers=token_of(theirs)).status_code
        == 404
    )
    attendee = api_token(create_user())
    assert client.patch(url, json=body, headers=attendee).status_code == 404
    assert db.session.scalar(select(func.count(Registration.id))) == 0
    organizer = api_token(create_user("organizer"))
    assert client.patch(url, json=body, headers=organizer).status_code == 200
    assert (
        client.get(f"/api/v1/congresses/met26/orders/{mine}", headers=token_of(mine)).status_code
        == 200
    )


def test_patch_after_the_deadline_is_409(client, two_categories, app):
    reference = client.post("/api/v1/congresses/met26/orders", json=payload()).get_json()[
        "reference"
    ]
    order = db.session.scalar(select(GroupOrder).where(GroupOrder.reference == reference))
    # Move the congress so that today is past the naming deadline (14 days before it starts).
    from conference.models import utcnow

    congress = order.congress
    congress.starts_on = utcnow().date() + timedelta(days=5)
    congress.ends_on = congress.starts_on + timedelta(days=2)
    db.session.commit()
    response = client.patch(
        f"/api/v1/congresses/met26/orders/{reference}/delegates",
        json={"delegates": [delegate(1)]},
        headers=token_of(reference),
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "deadline_passed"


def test_the_naming_deadline_is_a_registration_setting(
    client, two_categories, api_token, create_user
):
    headers = api_token(create_user("organizer"))
    response = client.patch(
        "/api/v1/congresses/met26/registration/settings",
        json={"group_deadline_days": 30},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["group_deadline_days"] == 30
    congress = two_categories
    deadline = group_orders.naming_deadline(congress)
    assert deadline.date() <= congress.starts_on - timedelta(days=29)
    bad = client.patch(
        "/api/v1/congresses/met26/registration/settings",
        json={"group_deadline_days": -1},
        headers=headers,
    )
    assert bad.status_code == 422
    assert "group_deadline_days" in bad.get_json()["error"]["fields"]
