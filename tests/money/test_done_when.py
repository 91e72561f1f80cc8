"""Issue 11, "Done when", as one scenario on the demo congress (loaded as `flask demo load`
does): an attendee pays by card through the Stripe stand-in, a hospital registers five doctors
in one group order and pays its invoice by bank transfer (reconciled from a bank statement), a
speaker registers free with an invited-faculty voucher, and the organizer's money overview
(page, CSV and API) and the accountant's invoice CSV agree to the cent."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from conference.accounts.models import User
from conference.extensions import db
from conference.registration.models import Registration, RegistrationStatus
from conference.registration.tokens import manage_token

D = Decimal
AMOUNTS = ("net", "vat", "gross", "paid", "outstanding")
METHODS = ("bank_transfer", "card_on_site", "online_card", "cash", "other")


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def csv_sums(client) -> dict:
    """The accountant's CSV, summed column by column (each row's net + VAT = gross)."""
    response = client.get("/met26/manage/invoices.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = rows_of(response.get_data(as_text=True))
    for row in rows:
        assert D(row["net"]) + D(row["vat"]) == D(row["gross"]), row["number"]
        assert row["currency"] == "EUR"
    sums = {column: sum((D(row[column]) for row in rows), D("0.00")) for column in AMOUNTS}
    sums["invoiced"] = sum((D(r["gross"]) for r in rows if r["type"] == "invoice"), D("0.00"))
    sums["credited"] = -sum((D(r["gross"]) for r in rows if r["type"] == "credit_note"), D("0.00"))
    sums["rows"] = rows
    return sums


def overview_csv(client) -> tuple[dict, dict[str, dict]]:
    """(the total row, the per-category "all days" rows) of /manage/money.csv, as Decimals."""
    rows = rows_of(client.get("/met26/manage/money.csv").get_data(as_text=True))

    def numbers(row):
        return {k: D(v) for k, v in row.items() if k not in ("day", "category", "currency")}

    (total,) = [numbers(row) for row in rows if row["day"] == "total"]
    categories = {row["category"]: numbers(row) for row in rows if row["day"] == "all days"}
    # The per-category rows add up to the total, column by column.
    for column, value in total.items():
        assert sum((c[column] for c in categories.values()), D("0.00")) == value, column
    return total, categories


def assert_books_agree(client, headers) -> tuple[dict, dict, dict[str, dict]]:
    sums = csv_sums(client)
    total, categories = overview_csv(client)
    assert sums["net"] + sums["vat"] == sums["gross"]
    assert total["net_invoiced"] == sums["gross"]
    assert total["invoiced"] == sums["invoiced"]
    assert total["credited"] == sums["credited"]
    assert total["paid"] == sums["paid"]
    assert total["outstanding"] == sums["outstanding"]
    assert total["paid"] == sum(total[m] for m in METHODS) - total["refunded"]
    # The API gives the same figures as the CSV.
    api = client.get("/api/v1/congresses/met26/money/overview", headers=headers)
    assert api.status_code == 200, api.get_json()
    figures = api.get_json()["totals"]
    assert D(figures["paid"]) == sums["paid"]
    assert D(figures["outstanding"]) == sums["outstanding"]
    assert D(figures["net_invoiced"]) == sums["gross"]
    assert {m: D(v) for m, v in figures["by_method"].items()} == {
        "bank_transfer": total["bank_transfer"],
        "card": total["card_on_site"],
        "online_card": total["online_card"],
        "cash": total["cash"],
        "other": total["other"],
    }
    # And the page's total row shows them: invoiced, credited, the five methods, refunded,
    # paid, outstanding, waived.
    page = client.get("/met26/manage/money").get_data(as_text=True)
    total_row = re.search(r'id="money-total">(.*?)</tr>', page, re.S).group(1)
    cells = [D(v) for v in re.findall(r'<td class="text-end[^"]*">([^<]*)</td>', total_row)]
    assert len(cells) == 11
    assert cells[0] - cells[1] == sums["gross"]
    assert cells[2:7] == [total[m] for m in METHODS]
    assert cells[8] == sums["paid"] and cells[9] == sums["outstanding"]
    return sums, total, categories


def test_card_group_order_and_voucher_on_the_demo_congress_agree_to_the_cent(
    app, client, auth, api_token, stripe_api, tmp_path, demo_copy
):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    congress = demo_copy().congress
    organizer = db.session.scalar(select(User).where(User.email == "organizer@example.org"))
    headers = api_token(organizer)
    auth.login(organizer)
    before, total_before, categories_before = assert_books_agree(client, headers)

    # 1. An attendee registers and pays by card on the provider's page.
    created = client.post(
        "/api/v1/congresses/met26/registrations",
        json={
            "first_name": "Inès",
            "last_name": "Dubois-Ramírez",
            "email": "ines.dubois@chu-lyon.example",
            "affiliation": "Hospices Civils de Lyon",
            "country": "FR",
            "category": "oncologist",
            "accept_terms": True,
        },
    )
    assert created.status_code == 201, created.get_json()
    attendee = db.session.scalar(
        select(Registration).where(Registration.reference == created.get_json()["reference"])
    )
    fee = attendee.amount_due
    assert fee > 0
    checkout = client.post(
        f"/api/v1/congresses/met26/registrations/{attendee.reference}/checkout",
        headers={"X-Manage-Token": manage_token(attendee.reference, attendee.manage_salt)},
    )
    assert checkout.status_code == 201, checkout.get_json()
    session_id = checkout.get_json()["session_id"]
    stripe_api.pay(session_id)
    payload = stripe_api.event(session_id)
    delivered = client.post(
        "/api/v1/congresses/met26/payments/webhook/stripe",
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": stripe_api.sign(payload)},
    )
    assert delivered.get_json()["outcome"] == "paid"

    # 2. A hospital in Germany orders five places for its oncologists on one invoice (a valid
    # German VAT id: reverse charge) and pays it by bank transfer, found on the bank statement.
    doctors = [
        ("Jonas", "Becker"),
        ("Leonie", "Schäfer"),
        ("Emre", "Demir"),
        ("Olena", "Kovalenko"),
        ("Friederike", "Groß"),
    ]
    ordered = client.post(
        "/api/v1/congresses/met26/orders",
        json={
            "buyer": {"name": "Universitätsklinikum Heidelberg", "email": "kongress@ukhd.example"},
            "invoice_to": {
                "name": "Universitätsklinikum Heidelberg",
                "address": "Im Neuenheimer Feld 672\n69120 Heidelberg",
                "country": "DE",
                "vat_id": "DE 136 695 976",
                "po_number": "4500123456",
            },
            "items": [{"category": "oncologist", "quantity": 5}],
            "delegates": [
                {
                    "first_name": first,
                    "last_name": last,
                    "email": f"{first.lower()}.{index}@ukhd.example",
                    "affiliation": "Nationales Centrum für Tumorerkrankungen",
                }
                for index, (first, last) in enumerate(doctors)
            ],
        },
    )
    assert ordered.status_code == 201, ordered.get_json()
    order = ordered.get_json()
    group_gross = D(order["total"]["amount"])
    number = order["invoice_number"]
    invoice_row = next(r for r in csv_sums(client)["rows"] if r["number"] == number)
    assert invoice_row["reverse_charge"] in ("yes", "True") and D(invoice_row["vat"]) == 0
    statement = (
        "Buchungstag;Verwendungszweck;Betrag;Währung;Auftraggeber\r\n"
        f"{date.today():%d.%m.%Y};Rechnung {number} PO 4500123456;"
        f"{str(group_gross).replace('.', ',')};EUR;Universitätsklinikum Heidelberg\r\n"
    )
    dry = client.post(
        "/api/v1/congresses/met26/reconciliation", json={"statement": statement}, headers=headers
    )
    assert dry.status_code == 200, dry.get_json()
    assert [line["state"] for line in dry.get_json()["lines"]] == ["matched"]
    done = client.post(
        "/api/v1/congresses/met26/reconciliation",
        json={"statement": statement, "confirm": True, "token": dry.get_json()["token"]},
        headers=headers,
    )
    assert len(done.get_json()["recorded"]) == 1
    delegates = db.session.scalars(
        select(Registration).where(Registration.email.like("%@ukhd.example"))
    ).all()
    assert len(delegates) == 5
    assert {r.status for r in delegates} == {RegistrationStatus.CONFIRMED}

    # 3. An invited speaker registers free with a faculty voucher: no money, no invoice.
    codes = client.get(
        "/api/v1/congresses/met26/vouchers",
        query_string={"label": "Invited faculty"},
        headers=headers,
    ).get_json()["vouchers"]
    code = next(v["code"] for v in codes if v["uses"] == 0)
    speaker = client.post(
        "/api/v1/congresses/met26/registrations",
        json={
            "first_name": "Yuki",
            "last_name": "Tanaka",
            "email": "yuki.tanaka@ncc.example",
            "affiliation": "National Cancer Center, Tokyo",
            "country": "JP",
            "category": "oncologist",
            "accept_terms": True,
            "voucher": code,
        },
    )
    assert speaker.status_code == 201, speaker.get_json()
    assert speaker.get_json()["amount_due"]["amount"] == "0.00"
    assert speaker.get_json()["status"] == "confirmed"

    # The books agree to the cent, and they moved by exactly what happened.
    after, total_after, categories_after = assert_books_agree(client, headers)
    assert len(after["rows"]) == len(before["rows"]) + 2  # the card invoice and the group's
    assert after["gross"] - before["gross"] == fee + group_gross
    assert after["paid"] - before["paid"] == fee + group_gross
    assert after["outstanding"] == before["outstanding"]
    assert total_after["online_card"] - total_before["online_card"] == fee
    assert total_after["bank_transfer"] - total_before["bank_transfer"] == group_gross
    oncologist_before = categories_before.get("Oncologist", {}).get("paid", D("0.00"))
    assert categories_after["Oncologist"]["paid"] - oncologist_before == fee + group_gross
    assert congress.currency == "EUR"
