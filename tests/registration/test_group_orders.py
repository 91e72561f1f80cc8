"""Group orders: one buyer, several places in several categories, one invoice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.models import utcnow
from conference.money import services as money
from conference.money.models import Invoice
from conference.registration import capacity, group_orders
from conference.registration.cli import group_orders as group_orders_job
from conference.registration.models import (
    GroupOrder,
    GroupPlace,
    Registration,
    RegistrationStatus,
)
from conference.registration.tokens import manage_token
from tests.conftest import deliver_outbox
from tests.registration.conftest import attendee_data
from tests.registration.test_card_payments import seller  # noqa: F401 - fixture

PHARMA = {
    "name": "Roche Austria GmbH",
    "address": "Engelhorngasse 3\n1210 Wien",
    "country": "AT",
    "vat_id": "",
    "po_number": "PO-77",
}
BUYER = {"name": "Roche Austria GmbH", "email": "events@roche.example"}


def order(congress, items, **kw):
    created, invoice = group_orders.create_group_order(
        congress, kw.pop("buyer", BUYER), kw.pop("invoice_to", PHARMA), items, **kw
    )
    db.session.commit()
    return created, invoice


def delegate(n: int, **kw) -> dict:
    return {"first_name": "Ana", "last_name": f"Delegate{n}", "email": f"ana{n}@uni.example", **kw}


FIVE = [{"category": "oncologist", "quantity": 3}, {"category": "student-trainee", "quantity": 0}]


@pytest.fixture
def two_categories(seller):  # noqa: F811
    """Both categories orderable by a group: the student category without proof here."""
    from conference.registration.queries import get_category_by_slug

    student = get_category_by_slug(seller, "student-trainee")
    student.requires_proof = False
    db.session.commit()
    return seller


def test_an_order_of_five_places_in_two_categories_makes_one_invoice_and_holds_five(
    two_categories,
):
    congress = two_categories
    before = capacity.places_taken(congress)
    created, invoice = order(
        congress,
        [{"category": "oncologist", "quantity": 3}, {"category": "student-trainee", "quantity": 2}],
        is_industry=True,
    )
    assert db.session.scalar(select(func.count(Invoice.id))) == 1
    assert [(line.quantity, line.unit_price) for line in invoice.lines] == [
        (3, Decimal("450.00")),
        (2, Decimal("150.00")),
    ]
    assert invoice.total_gross == Decimal("1650.00")  # 3 x 450 + 2 x 150, VAT included
    assert invoice.total_net + invoice.total_vat == invoice.total_gross
    assert invoice.buyer_name == PHARMA["name"]
    assert created.invoice_number == invoice.number and created.is_industry
    assert len(created.places) == 5
    assert capacity.places_taken(congress) == before + 5
    # The buyer gets the private link; the outbox never shows the token.
    (mail,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "registration/group_order")
    ).all()
    assert group_orders.order_token(created) not in mail.body_text
    assert created.reference in mail.body_text


def test_capacity_refuses_an_order_larger_than_the_places_left_and_creates_nothing(
    two_categories, register
):
    congress = two_categories
    capacity.get_settings(congress).capacity = 4
    db.session.commit()
    register()  # one place taken: 3 left
    with pytest.raises(ValidationFailed) as refused:
        order(congress, [{"category": "oncologist", "quantity": 4}])
    assert "items[0].quantity" in refused.value.fields
    assert "Only 3 places" in refused.value.fields["items[0].quantity"][0]
    db.session.rollback()
    assert db.session.scalar(select(func.count(GroupOrder.id))) == 0
    assert db.session.scalar(select(func.count(Invoice.id))) == 0
    # Exactly the places left: accepted, and then the congress is full for anyone else.
    order(congress, [{"category": "oncologist", "quantity": 3}])
    late = register(email="late@example.org")
    assert late.status == RegistrationStatus.WAITLISTED


def test_category_capacity_counts_across_the_items_of_one_order(two_categories):
    congress = two_categories
    from conference.registration.queries import get_category_by_slug

    get_category_by_slug(congress, "oncologist").capacity = 2
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        order(
            congress,
            [{"category": "oncologist", "quantity": 2}, {"category": "oncologist", "quantity": 1}],
        )
    assert any(name.endswith(".quantity") for name in refused.value.fields)


def test_delegates_named_later_get_a_registration_reference_and_manage_email(two_categories, smtp):
    congress = two_categories
    created, _ = order(congress, FIVE)
    named = group_orders.fill_delegates(created, [delegate(1), delegate(2)])
    db.session.commit()
    assert len({r.reference for r in named}) == 2
    for registration in named:
        assert registration.status == RegistrationStatus.AWAITING_PAYMENT
        assert registration.expires_at is None  # held by the order, not expiring alone
    # The two named places are now counted through their registrations, not twice.
    assert capacity.places_taken(congress) == 3
    deliver_outbox()
    (message,) = smtp.to("ana1@uni.example")
    text = smtp.text_of(message)
    assert named[0].reference in text
    assert manage_token(named[0].reference, named[0].manage_salt) in text
    assert "Roche Austria GmbH" in text
    assert "HOW TO PAY" not in text  # the buyer pays, not the delegate
    from conference.registration.payment_instructions import payment_instructions

    assert payment_instructions(named[0]) is None
    (buyer_mail,) = smtp.to(BUYER["email"])
    assert group_orders.order_token(created) in smtp.text_of(buyer_mail)


def test_delegate_fields_are_checked_and_named_by_index(two_categories, register):
    congress = two_categories
    taken = register()
    created, _ = order(congress, FIVE)
    with pytest.raises(ValidationFailed) as refused:
        group_orders.fill_delegates(
            created,
            [
                delegate(1, email="not-an-address"),
                delegate(2, first_name=""),
                delegate(3, email=taken.email),
                delegate(4),
                delegate(5),
            ],
        )
    assert {
        "delegates[0].email",
        "delegates[1].first_name",
        "delegates[2].email",
        "delegates[4].place",
    } <= set(refused.value.fields)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Registration.id))) == 1


def test_delegate_edits_are_refused_after_the_deadline(two_categories):
    congress = two_categories
    created, _ = order(congress, FIVE)
    (first,) = group_orders.fill_delegates(created, [delegate(1)])
    db.session.commit()
    deadline = group_orders.naming_deadline(created)
    place_id = created.places[0].id
    # Before the deadline a delegate can be corrected.
    group_orders.fill_delegates(
        created, [delegate(1, first_name="Anna", place=place_id)], now=deadline - timedelta(1)
    )
    db.session.commit()
    assert first.first_name == "Anna"
    with pytest.raises(Conflict) as refused:
        group_orders.fill_delegates(created, [delegate(9)], now=deadline)
    assert refused.value.code == "deadline_passed"


def test_the_deadline_job_releases_unnamed_places_unless_the_order_keeps_them(
    two_categories, register
):
    congress = two_categories
    released, _ = order(congress, FIVE)
    kept, _ = order(congress, [{"category": "oncologist", "quantity": 2}], keep_unfilled=True)
    group_orders.fill_delegates(released, [delegate(1)])
    db.session.commit()
    assert capacity.places_taken(congress) == 5
    deadline = group_orders.naming_deadline(congress)
    assert group_orders.release_unfilled(congress, now=deadline - timedelta(minutes=1)) == 0
    assert group_orders.release_unfilled(congress, now=deadline) == 2
    db.session.commit()
    assert capacity.places_taken(congress) == 3  # one delegate + two kept
    assert all(p.released_at is None for p in kept.places)
    assert [p.released_at is None for p in released.places] == [True, False, False]
    # Run again (the periodic job): nothing more to release.
    assert group_orders_job() == 0


def test_the_worker_job_is_registered():
    from conference.jobs import PERIODIC_JOBS

    assert any(path.endswith(":group_orders") for _, _, path in PERIODIC_JOBS)


def test_paying_the_invoice_confirms_the_delegates_and_later_ones(two_categories, smtp):
    congress = two_categories
    created, invoice = order(congress, FIVE)
    (early,) = group_orders.fill_delegates(created, [delegate(1)])
    db.session.commit()
    money.record_invoice_payment(invoice, Decimal("1000.00"), reference="part")
    db.session.commit()
    assert early.status == RegistrationStatus.AWAITING_PAYMENT  # not fully paid yet
    money.record_invoice_payment(invoice, Decimal("350.00"), reference=created.reference)
    db.session.commit()
    assert created.paid_at is not None
    assert early.status == RegistrationStatus.CONFIRMED and early.amount_due == 0
    (late,) = group_orders.fill_delegates(created, [delegate(2)])
    db.session.commit()
    assert late.status == RegistrationStatus.CONFIRMED
    deliver_outbox()
    assert any("confirmed" in smtp.text_of(m).lower() for m in smtp.to("ana1@uni.example"))


def test_an_ordinary_registration_still_counts_with_group_places(two_categories, client):
    congress = two_categories
    capacity.get_settings(congress).capacity = 2
    db.session.commit()
    order(congress, [{"category": "oncologist", "quantity": 2}])
    response = client.post("/api/v1/congresses/met26/registrations", json=attendee_data())
    assert response.get_json()["status"] == "waitlisted"
    assert db.session.scalar(select(func.count(GroupPlace.id))) == 2
    assert utcnow()


@pytest.mark.postgres
def test_concurrent_group_orders_never_oversell_on_postgresql(pg_engine_url, app, two_categories):
    """8 buyers order 2 places each at the same moment for 5 places: 2 orders succeed."""
    import threading

    from conference.program.models import Congress

    congress_id = two_categories.id
    capacity.get_settings(two_categories).capacity = 5
    db.session.commit()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def buy(index: int) -> None:
        with app.app_context():
            try:
                congress = db.session.get(Congress, congress_id)
                barrier.wait(timeout=30)
                group_orders.create_group_order(
                    congress,
                    {"name": f"Buyer {index}", "email": f"buyer{index}@example.org"},
                    PHARMA,
                    [{"category": "oncologist", "quantity": 2}],
                )
                db.session.commit()
                outcomes.append("ordered")
            except ValidationFailed:
                db.session.rollback()
                outcomes.append("refused")
            except BaseException as exc:  # pragma: no cover - shown in the assertion
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=buy, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["ordered"] * 2 + ["refused"] * 6, outcomes
    db.session.expire_all()
    assert db.session.scalar(select(func.count(GroupPlace.id))) == 4
