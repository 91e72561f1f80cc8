"""The registration totals page (grand totals, paid and outstanding per category and period)
and the list filters the dashboard links to (places held; abstracts by decision)."""

from __future__ import annotations

from decimal import Decimal

from lxml import html

from conference.extensions import db
from conference.registration import services
from conference.registration.payments import record_payment
from conference.registration.queries import dashboard_figures
from tests.registration import conftest as registration_fixtures

# The registration tests' fixtures: fees on the `congress` categories, a register helper.
priced = registration_fixtures.priced
register = registration_fixtures.register
upload_dir = registration_fixtures.upload_dir


def _money_rows(page, table_id):
    rows = {}
    for row in page.xpath(f"//table[@id='{table_id}']/tbody/tr"):
        cells = [c.text_content().strip() for c in row.xpath("./th|./td")]
        rows[cells[0]] = cells
    return rows


def _pay(registration, organizer, kind, amount):
    record_payment(registration, kind=kind, amount=Decimal(amount), by=organizer)
    db.session.commit()


def test_totals_count_money_paid_less_refunds_and_what_places_held_still_owe(
    client, auth, organizer, register
):
    paid_in_full = register()
    _pay(paid_in_full, organizer, "bank_transfer", "450.00")
    part_paid = register()
    _pay(part_paid, organizer, "bank_transfer", "200.00")
    cancelled = register()
    _pay(cancelled, organizer, "bank_transfer", "450.00")
    services.cancel_registration(cancelled, reason="Travel plans changed.")  # refund 400.00
    db.session.commit()
    register(category="student-trainee")  # owes 150.00 once verified; holds a place already

    figures = dashboard_figures(paid_in_full.congress)
    assert figures["totals"]["paid"] == Decimal("700.00")  # 450 + 200 + (450 - 400 refunded)
    assert figures["totals"]["outstanding"] == Decimal("400.00")  # 250 + 150
    by_slug = {c["slug"]: c for c in figures["categories"]}
    assert by_slug["oncologist"]["paid"] == Decimal("700.00")
    assert by_slug["oncologist"]["outstanding"] == Decimal("250.00")
    assert by_slug["student-trainee"]["outstanding"] == Decimal("150.00")

    auth.login(organizer)
    page = html.fromstring(client.get("/met26/manage/registrations/totals").data)
    grand = [c.text_content().strip() for c in page.xpath("//table[@id='grand-total']//td")]
    assert grand == ["3", "1", "0", "1", "1050.00", "700.00", "400.00"]
    per_category = _money_rows(page, "totals-by-category")
    assert per_category["Oncologist"][-2:] == ["700.00", "250.00"]
    per_period = _money_rows(page, "totals")
    assert per_period["Oncologist"][1] == "Early"
    footer = [c.text_content().strip() for c in page.xpath("//table[@id='totals']/tfoot//td")]
    assert footer[-2:] == ["700.00", "400.00"]


def test_a_waiver_settles_the_fee_but_is_not_money_paid(client, auth, organizer, register):
    invited = register()
    _pay(invited, organizer, "waived", "450.00")
    figures = dashboard_figures(invited.congress)
    assert figures["totals"]["paid"] == Decimal("0.00")
    assert figures["totals"]["outstanding"] == Decimal("0.00")


def test_places_held_filter_lists_awaiting_and_confirmed_but_not_waiting_or_cancelled(
    client, auth, organizer, register
):
    confirmed = register(last_name="Held")
    _pay(confirmed, organizer, "bank_transfer", "450.00")
    awaiting = register(last_name="Awaiting")
    gone = register(last_name="Gone")
    services.cancel_registration(gone, reason="Changed plans.")
    db.session.commit()
    auth.login(organizer)
    response = client.get("/met26/manage/registrations.csv?status=holding")
    text = response.get_data(as_text=True)
    assert confirmed.reference in text and awaiting.reference in text
    assert gone.reference not in text
    page = html.fromstring(client.get("/met26/manage/registrations?status=holding").data)
    assert page.xpath("//select[@id='status']/option[@selected]")[0].get("value") == "holding"
