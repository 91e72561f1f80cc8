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


def test_demo_has_hospital_group_orders_of_five_doctors_one_paid_one_not(app, tmp_path, demo_copy):
    from conference.money.queries import get_balance
    from conference.registration import group_orders
    from conference.registration.models import GroupOrder

    app.config["UPLOAD_DIR"] = str(tmp_path)
    demo_copy()
    orders = {o.buyer_name: o for o in db.session.scalars(select(GroupOrder))}
    order = orders["Allgemeines Krankenhaus der Stadt Wien (AKH)"]
    assert len(order.places) == 5
    invoice = group_orders.get_invoice(order)
    assert invoice.lines[0].quantity == 5 and invoice.buyer_name == order.buyer_name
    assert get_balance(invoice).outstanding == 0 and order.paid_at is not None
    delegates = [place.registration for place in order.places]
    assert all(r.status == RegistrationStatus.CONFIRMED for r in delegates)
    assert "Παπαδοπούλου" in {r.last_name for r in delegates}
    # The Hôpital Saint-Louis named its five doctors but has not paid its invoice yet.
    unpaid = orders["Hôpital Saint-Louis, AP-HP"]
    invoice = group_orders.get_invoice(unpaid)
    assert invoice.lines[0].quantity == 5 and invoice.buyer_country == "FR"
    assert get_balance(invoice).outstanding == invoice.total_gross > 0 and unpaid.paid_at is None
    delegates = [place.registration for place in unpaid.places]
    assert all(r.status == RegistrationStatus.AWAITING_PAYMENT for r in delegates)
    assert "Nguyễn" in {r.last_name for r in delegates}
