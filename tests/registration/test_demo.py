"""The demo congress has fees for every category and period and registrations in every status."""

from __future__ import annotations

from sqlalchemy import select

from conference.extensions import db
from conference.registration.models import FeePeriod, Registration, RegistrationStatus
from conference.registration.queries import get_categories


def test_demo_has_every_fee_and_every_status(app, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    result = demo_copy()
    for category in get_categories(result.congress):
        assert all(category.fee_for(period) is not None for period in FeePeriod), category
    statuses = set(db.session.scalars(select(Registration.status)))
    assert statuses == set(RegistrationStatus)
    assert db.session.scalar(select(Registration.id).where(Registration.checked_in_at.is_not(None)))


def test_demo_has_a_hospital_group_order_of_five_doctors_paid_by_invoice(app, tmp_path, demo_copy):
    from conference.money.queries import get_balance
    from conference.registration import group_orders
    from conference.registration.models import GroupOrder

    app.config["UPLOAD_DIR"] = str(tmp_path)
    demo_copy()
    (order,) = db.session.scalars(select(GroupOrder))
    assert "Krankenhaus" in order.buyer_name and len(order.places) == 5
    invoice = group_orders.get_invoice(order)
    assert invoice.lines[0].quantity == 5 and invoice.buyer_name == order.buyer_name
    assert get_balance(invoice).outstanding == 0 and order.paid_at is not None
    delegates = [place.registration for place in order.places]
    assert all(r.status == RegistrationStatus.CONFIRMED for r in delegates)
    assert "Παπαδοπούλου" in {r.last_name for r in delegates}
