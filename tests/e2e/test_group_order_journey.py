"""In Chromium: a hospital orders five places on one invoice, then names its five doctors on
the order's private page; each becomes a registration awaiting the invoice's payment."""

from __future__ import annotations

from sqlalchemy import select

from conference.extensions import db
from conference.registration import group_orders
from conference.registration.models import GroupOrder, RegistrationStatus
from tests.registration.conftest import priced  # noqa: F401 - fixture
from tests.registration.test_card_payments import seller  # noqa: F401 - fixture
from tests.registration.test_group_orders import two_categories  # noqa: F401 - fixture

DOCTORS = [
    ("Élodie", "Marchand"),
    ("Karim", "Benhaddou"),
    ("Thu Trang", "Nguyễn"),
    ("François", "Lefèvre-Duval"),
    ("Aïssatou", "Diallo"),
]


def test_a_hospital_orders_five_places_and_names_its_doctors(
    page,
    two_categories,  # noqa: F811
    live_server_factory,
):
    server = live_server_factory()
    page.goto(f"{server.url}/met26/register/group")
    page.fill("#quantity-oncologist", "5")
    page.fill("#buyer_name", "Hôpital Saint-Louis, AP-HP")
    page.fill("#buyer_email", "congres.hematologie@aphp.example.fr")
    page.fill("#invoice_name", "Hôpital Saint-Louis, AP-HP")
    page.fill("#invoice_address", "1 avenue Claude-Vellefaux\n75010 Paris")
    page.select_option("#invoice_country", "FR")
    page.fill("#invoice_po_number", "APHP-SLS-2026-0412")
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "your order" in page.inner_text(".alert-success")

    db.session.expire_all()
    (order,) = db.session.scalars(select(GroupOrder))
    assert len(order.places) == 5 and order.invoice_number
    place_ids = [place.id for place in order.places]
    manage = (
        f"{server.url}/met26/register/group/{order.reference}/{group_orders.order_token(order)}"
    )
    page.goto(manage)
    assert "Not named yet" in page.content()
    for index, (place_id, (first, last)) in enumerate(zip(place_ids, DOCTORS, strict=True)):
        form = page.locator(f"form[action$='/places/{place_id}']")
        form.locator(f"[name='p{place_id}-first_name']").fill(first)
        form.locator(f"[name='p{place_id}-last_name']").fill(last)
        form.locator(f"[name='p{place_id}-email']").fill(f"hematologie.{index}@aphp.example.fr")
        form.locator(f"[name='p{place_id}-affiliation']").fill("Service d'hématologie adultes")
        form.locator("[type=submit]").click()
        page.wait_for_selector(".alert-success")
    content = page.content()
    assert "Not named yet" not in content
    assert all(last in content for _first, last in DOCTORS)
    assert page.js_errors == []

    db.session.expire_all()
    delegates = [place.registration for place in order.places]
    assert all(d is not None for d in delegates)
    assert {d.status for d in delegates} == {RegistrationStatus.AWAITING_PAYMENT}
    assert {d.last_name for d in delegates} == {last for _first, last in DOCTORS}
