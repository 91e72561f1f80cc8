"""The money overview: per day, category and payment method; agrees with the invoice CSV."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from conference.registration.queries import get_totals, sum_totals
from tests.money.money_data import column_sum, csv_rows

D = Decimal


def overview_rows(client, **params) -> list[dict]:
    response = client.get("/met26/manage/money.csv", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return csv_rows(response.get_data(as_text=True))


def total_row(rows):
    [total] = [row for row in rows if row["day"] == "total"]
    return total


def test_overview_totals_equal_the_invoice_csv_to_the_cent(client, auth, organizer, books):
    auth.login(organizer)
    invoices = csv_rows(client.get("/met26/manage/invoices.csv").get_data(as_text=True))
    assert any(row["reverse_charge"] == "yes" for row in invoices)
    assert any(row["type"] == "credit_note" for row in invoices)
    total = total_row(overview_rows(client))
    assert D(total["net_invoiced"]) == column_sum(invoices, "gross")
    assert D(total["paid"]) == column_sum(invoices, "paid")
    assert D(total["outstanding"]) == column_sum(invoices, "outstanding")
    invoiced = sum(D(row["gross"]) for row in invoices if row["type"] == "invoice")
    assert D(total["invoiced"]) == invoiced
    assert D(total["credited"]) == -sum(
        D(row["gross"]) for row in invoices if row["type"] == "credit_note"
    )


def test_overview_splits_money_by_payment_method_and_shows_waivers_apart(
    client, auth, organizer, books
):
    auth.login(organizer)
    total = total_row(overview_rows(client))
    # bank: 450 (paid) + 450 (later refunded) + 5000 (sponsor, partly paid)
    assert D(total["bank_transfer"]) == D("5900.00")
    assert D(total["cash"]) == D("180.00") + D("350.00")
    assert D(total["card_on_site"]) == D("450.00")
    assert D(total["online_card"]) == D("180.00")
    assert D(total["refunded"]) == D("400.00")  # 450 paid less the 50.00 cancellation fee
    assert D(total["waived_not_money"]) == D("180.00") + D("100.00")
    received = sum(
        D(total[column])
        for column in ("bank_transfer", "card_on_site", "online_card", "cash", "other")
    )
    assert D(total["paid"]) == received - D(total["refunded"])


def test_overview_per_category_agrees_with_the_registrations_totals(
    client, auth, organizer, books, seller
):
    auth.login(organizer)
    rows = overview_rows(client)
    per_category = {row["category"]: row for row in rows if row["day"] == "all days"}
    assert set(per_category) == {"Oncologist", "Oncology nurse", "Sponsorship"}
    registrations = {row["category"]: row for row in _totals_by_category(seller)}
    for name in ("Oncologist", "Oncology nurse"):
        assert D(per_category[name]["paid"]) == registrations[name]["paid"], name
    assert D(per_category["Oncology nurse"]["waived_not_money"]) == D("180.00")
    assert D(per_category["Oncologist"]["waived_not_money"]) == D("100.00")
    assert D(per_category["Sponsorship"]["outstanding"]) == D("7000.00")
    registration_paid = sum_totals(get_totals(seller))["paid"]
    assert D(total_row(rows)["paid"]) == registration_paid + D("5000.00")


def _totals_by_category(congress):
    from conference.registration.queries import totals_by_category

    return totals_by_category(get_totals(congress))


def test_overview_date_filter_keeps_only_the_days_in_range(client, auth, organizer, books):
    auth.login(organizer)
    today = books["sponsor_invoice"].issue_date
    rows = overview_rows(client, date_from=today.isoformat(), date_to=today.isoformat())
    assert D(total_row(rows)["invoiced"]) > 0
    tomorrow = (today + timedelta(days=1)).isoformat()
    empty = total_row(overview_rows(client, date_from=tomorrow))
    assert D(empty["invoiced"]) == D(empty["paid"]) == D(empty["waived_not_money"]) == 0
    backwards = {"date_from": tomorrow, "date_to": "2020-01-01"}
    page = client.get("/met26/manage/money", query_string=backwards)
    assert page.status_code == 200
    assert "The end date is before the start date." in page.get_data(as_text=True)


def test_overview_page_shows_the_figures_per_day_and_category(client, auth, organizer, books):
    auth.login(organizer)
    page = client.get("/met26/manage/money")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="money-total"' in html
    assert "Oncology nurse" in html and "Card online" in html and "Waived" in html
    dashboard = client.get("/met26/manage/").get_data(as_text=True)
    assert 'href="/met26/manage/money"' in dashboard


@pytest.mark.parametrize("path", ["/met26/manage/money", "/met26/manage/money.csv"])
def test_overview_is_for_organizers_only(client, auth, create_user, congress, path):
    assert client.get(path).status_code in (302, 401)
    auth.login(create_user(email="reviewer@example.org", role="reviewer"))
    assert client.get(path).status_code == 403
