"""Bank reconciliation: statements parsed in German and English styles, transfers matched by
reference or invoice number, confirmed once, never recorded twice."""

from __future__ import annotations

import html
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.money import services as money
from conference.money.models import BankStatementLine, InvoicePayment
from conference.money.queries import get_active_invoice, get_balance
from conference.money.services import Buyer, LineIn
from conference.money.statements import StatementError, parse_statement
from conference.registration import invoicing
from conference.registration.models import Payment, RegistrationStatus
from conference.registration.payments import record_payment

CHARITE = {"name": "Charité Berlin", "address": "Charitéplatz 1\n10117 Berlin", "country": "AT"}

D = Decimal


def test_german_statement_with_semicolons_decimal_comma_and_bom():
    text = (
        "Buchungstag;Wertstellung;Verwendungszweck;Betrag;Währung;Auftraggeber\r\n"
        "03.12.2026;04.12.2026;Kongressgebühr MET26-7K3Q;1.234,56;EUR;Müller, Hans\r\n"
        "04.12.26;04.12.26;Miete;-450,00;EUR;Hausverwaltung\r\n"
    )
    statement = parse_statement(("\ufeff" + text).encode("utf-8"))
    assert statement.columns["date"] == "Buchungstag"
    assert statement.columns["reference"] == "Verwendungszweck"
    first, second = statement.lines
    assert (first.booked_on.isoformat(), first.amount, first.currency) == (
        "2026-12-03",
        D("1234.56"),
        "EUR",
    )
    assert first.payer == "Müller, Hans" and first.remittance == "Kongressgebühr MET26-7K3Q"
    assert second.amount == D("-450.00") and second.booked_on.isoformat() == "2026-12-04"
    # Windows-1252, as older German bank exports are
    assert parse_statement(text.encode("cp1252")).lines[0].payer == "Müller, Hans"


def test_english_statement_with_commas_and_columns_in_another_order():
    text = (
        "Payer name,Amount,Reference,Currency,Date\n"
        '"Smith, John","1,234.50","INV MET26-2026-00001",GBP,2026-12-03\n'
        "Jane Doe,450,REG met26 7k3q,EUR,03/12/2026\n"
    )
    first, second = parse_statement(text).lines
    assert (first.payer, first.amount, first.currency) == ("Smith, John", D("1234.50"), "GBP")
    assert (second.amount, second.booked_on.isoformat()) == (D("450.00"), "2026-12-03")


def test_bad_lines_are_named_and_a_file_without_columns_is_refused():
    statement = parse_statement(
        "date;amount;reference\n32.13.2026;12,00;x\n2026-12-01;zwölf;y\n2026-12-01;5,00;z\n"
    )
    assert [number for number, _ in statement.errors] == [2, 3]
    assert "32.13.2026" in statement.errors[0][1] and "zwölf" in statement.errors[1][1]
    assert len(statement.lines) == 1
    with pytest.raises(StatementError, match="Columns not found: amount"):
        parse_statement("Datum;Text\n01.12.2026;x\n")
    with pytest.raises(StatementError, match="not a text file"):
        parse_statement(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(StatementError, match="empty"):
        parse_statement(b"\xef\xbb\xbf\n")
    with pytest.raises(StatementError, match="larger"):
        parse_statement(b"date;amount;reference\n" + b"2026-12-01;1,00;x\n" * 70_000)


# -- matching and confirming through the pages ---------------------------------------------------


@pytest.fixture
def open_books(seller, categories, register):
    """Registrations awaiting payment, one paid, one invoiced with reverse charge, a sponsor."""
    people = {
        "oncologist": register(seller),
        "nurse": register(seller, "oncology-nurse"),
        "paid": register(seller),
        "invoiced": register(seller),
    }
    record_payment(people["paid"], kind="bank_transfer", amount="450.00")
    invoicing.request_invoice(people["invoiced"], CHARITE)
    db.session.commit()
    sponsor = money.invoice_order(
        seller,
        Buyer(name="Roche Austria GmbH", address="Engelhorngasse 3\n1210 Wien", country="AT"),
        [LineIn("sponsorship", "Gold sponsorship package", D("12000.00"))],
        source="sponsorship",
        source_key="gold-1",
    )
    db.session.commit()
    people["sponsor_invoice"] = sponsor
    people["rc_invoice"] = get_active_invoice(seller, "registration", people["invoiced"].reference)
    return people


def noisy(reference: str) -> str:
    """A reference as people type it: lower case, spaces instead of dashes."""
    return reference.lower().replace("-", " ")


def german_statement(people) -> bytes:
    rc = people["rc_invoice"]
    rows = [
        "Buchungstag;Verwendungszweck;Betrag;Währung;Auftraggeber",
        f"03.12.2026;Kongressgebuehr {noisy(people['oncologist'].reference)} Dr. P.;450,00;EUR;"
        "Dr. Αικατερίνη Παπαδοπούλου",
        f"03.12.2026;Rg.-Nr. {rc.number.replace('-', ' - ')} PO 4500123456;"
        f"{str(rc.total_gross).replace('.', ',')};EUR;Universitätsklinikum Heidelberg",
        f"03.12.2026;{people['nurse'].reference} Anzahlung;150,00;EUR;Zofia Łukasiewicz",
        f"03.12.2026;{people['paid'].reference};450,00;EUR;Jean-Baptiste Lefèvre",
        f"04.12.2026;SEPA {people['sponsor_invoice'].number.lower()};12.000,00;EUR;Roche Austria",
        "04.12.2026;Miete Dezember;-1.800,00;EUR;Hausverwaltung",
        "04.12.2026;Spende ohne Referenz;25,00;EUR;Anonym",
        "31.11.2026;kaputt;10,00;EUR;X",
    ]
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")


def upload(client, data: bytes):
    return client.post(
        "/met26/manage/money/reconciliation",
        data={"statement_file": (io.BytesIO(data), "umsaetze.csv")},
        content_type="multipart/form-data",
    )


def states(response) -> list[str]:
    return re.findall(r'data-state="(\w+)"', response.get_data(as_text=True))


def confirm(client, preview, differing=()):
    page = preview.get_data(as_text=True)
    statement = html.unescape(re.search(r'name="statement" type="hidden" value="([^"]*)"', page)[1])
    token = re.search(r'name="token" type="hidden" value="([^"]*)"', page)[1]
    return client.post(
        "/met26/manage/money/reconciliation/confirm",
        data={"statement": statement, "token": token, "differing": [str(n) for n in differing]},
    )


def bank_payments(registration) -> list[Payment]:
    db.session.expire_all()
    return [p for p in registration.payments if p.kind == "bank_transfer"]


def test_statement_lines_match_by_reference_and_invoice_number_despite_noise(
    client, auth, organizer, open_books
):
    auth.login(organizer)
    preview = upload(client, german_statement(open_books))
    assert preview.status_code == 200
    assert states(preview) == [
        "matched",  # registration reference, lower case with spaces
        "matched",  # invoice number with " - ", leads to its registration
        "differs",  # 150 of 180
        "already_paid",
        "matched",  # sponsorship invoice number, lower case, 12.000,00
        "outgoing",
        "unmatched",
    ]
    page = preview.get_data(as_text=True)
    assert "Line 9: Date “31.11.2026” is not a date" in page
    assert "Underpaid." in page
    # The same statement read by a German-speaking organizer: the notes are German too.
    client.set_cookie("lang", "de")
    page = upload(client, german_statement(open_books)).get_data(as_text=True)
    assert "Unterzahlt." in page and "Underpaid." not in page


def test_confirming_records_bank_transfers_once_even_when_imported_again(
    client, auth, organizer, open_books
):
    people = open_books
    auth.login(organizer)
    preview = upload(client, german_statement(people))
    done = confirm(client, preview, differing=[4])
    assert done.status_code == 302
    assert [p.amount for p in bank_payments(people["oncologist"])] == [D("450.00")]
    assert people["oncologist"].status == RegistrationStatus.CONFIRMED
    assert people["invoiced"].status == RegistrationStatus.CONFIRMED
    assert get_balance(people["rc_invoice"]).outstanding == 0
    assert [p.amount for p in bank_payments(people["nurse"])] == [D("150.00")]
    assert people["nurse"].amount_due == D("30.00")
    assert get_balance(people["sponsor_invoice"]).outstanding == 0
    lines = db.session.scalar(select(func.count()).select_from(BankStatementLine))
    assert lines == 4
    payments = db.session.scalar(select(func.count()).select_from(InvoicePayment))

    again = upload(client, german_statement(people))
    assert states(again)[:5] == ["imported", "imported", "imported", "already_paid", "imported"]
    confirm(client, again, differing=[4])
    assert db.session.scalar(select(func.count()).select_from(BankStatementLine)) == 4
    assert db.session.scalar(select(func.count()).select_from(InvoicePayment)) == payments
    assert len(bank_payments(people["nurse"])) == 1


def test_twice_the_same_preview_confirmed_records_once(client, auth, organizer, open_books):
    auth.login(organizer)
    preview = upload(client, german_statement(open_books))
    confirm(client, preview)
    confirm(client, preview)  # a double click, or the back button
    assert len(bank_payments(open_books["oncologist"])) == 1
    # the differing line was not chosen: nothing recorded for it
    assert bank_payments(open_books["nurse"]) == []


def test_identical_lines_in_one_statement_pay_once_then_show_already_paid(
    client, auth, organizer, open_books
):
    reference = open_books["oncologist"].reference
    line = f"2026-12-03,{reference},450.00,EUR,Dr. P."
    data = f"date,reference,amount,currency,payer\n{line}\n{line}\n".encode()
    auth.login(organizer)
    preview = upload(client, data)
    assert states(preview) == ["matched", "already_paid"]
    confirm(client, preview)
    assert len(bank_payments(open_books["oncologist"])) == 1


def test_overpayment_records_the_amount_due_when_chosen(client, auth, organizer, open_books):
    reference = open_books["nurse"].reference
    data = f"date,reference,amount\n2026-12-03,{reference},200.00\n".encode()
    auth.login(organizer)
    preview = upload(client, data)
    assert states(preview) == ["differs"]
    assert "Overpaid" in preview.get_data(as_text=True)
    confirm(client, preview, differing=[2])
    assert [p.amount for p in bank_payments(open_books["nurse"])] == [D("180.00")]


def test_a_changed_statement_is_not_confirmed(client, auth, organizer, open_books):
    auth.login(organizer)
    preview = upload(client, german_statement(open_books))
    page = preview.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]*)"', page)[1]
    reference = open_books["nurse"].reference
    forged = f"date,reference,amount\n2026-12-03,{reference},180.00\n"
    response = client.post(
        "/met26/manage/money/reconciliation/confirm", data={"statement": forged, "token": token}
    )
    assert response.status_code == 302
    assert bank_payments(open_books["nurse"]) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Datum;Text\n01.12.2026;x\n", "Columns not found: amount"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
        (b"", "The statement is empty."),
    ],
)
def test_a_malformed_file_gives_a_clear_error(client, auth, organizer, open_books, data, message):
    auth.login(organizer)
    response = upload(client, data)
    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))


def test_pasted_statement_is_read_like_a_file(client, auth, organizer, open_books):
    auth.login(organizer)
    reference = open_books["oncologist"].reference
    response = client.post(
        "/met26/manage/money/reconciliation",
        data={"statement_text": f"Datum;Betrag;Verwendungszweck\n03.12.2026;450,00;{reference}"},
    )
    assert states(response) == ["matched"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/met26/manage/money/reconciliation"),
        ("post", "/met26/manage/money/reconciliation"),
        ("post", "/met26/manage/money/reconciliation/confirm"),
    ],
)
def test_reconciliation_is_for_organizers_only(client, auth, create_user, congress, method, path):
    assert getattr(client, method)(path).status_code in (302, 401)
    auth.login(create_user(email="reviewer@example.org", role="reviewer"))
    assert getattr(client, method)(path).status_code == 403


def test_reconciliation_forms_need_a_csrf_token(app_config, congress, organizer):
    from conference import create_app

    config = type("CSRFConfig", (app_config,), {"WTF_CSRF_ENABLED": True})
    client = create_app(config).test_client()
    for path in (
        "/met26/manage/money/reconciliation",
        "/met26/manage/money/reconciliation/confirm",
    ):
        assert client.post(path, data={"statement_text": "x"}).status_code == 400


def test_posting_nothing_asks_for_a_file(client, auth, organizer, open_books):
    auth.login(organizer)
    response = client.post("/met26/manage/money/reconciliation", data={"statement_text": "  "})
    assert response.status_code == 422
    assert "Choose a CSV file or paste the statement below." in response.get_data(as_text=True)


def test_api_dry_run_then_confirm_with_the_token(client, api_token, organizer, open_books):
    headers = api_token(organizer)
    text = german_statement(open_books).decode("utf-8")
    dry = client.post(
        "/api/v1/congresses/met26/reconciliation", json={"statement": text}, headers=headers
    )
    assert dry.status_code == 200
    body = dry.get_json()
    assert [line["state"] for line in body["lines"]][:3] == ["matched", "matched", "differs"]
    assert body["errors"][0]["line"] == 9 and body["recorded"] == []
    assert bank_payments(open_books["oncologist"]) == []

    wrong = client.post(
        "/api/v1/congresses/met26/reconciliation",
        json={"statement": text, "confirm": True, "token": "0" * 64},
        headers=headers,
    )
    assert wrong.status_code == 422 and "token" in wrong.get_json()["error"]["fields"]
    done = client.post(
        "/api/v1/congresses/met26/reconciliation",
        json={"statement": text, "confirm": True, "token": body["token"]},
        headers=headers,
    )
    assert done.status_code == 200
    assert len(done.get_json()["recorded"]) == 3
    assert done.get_json()["lines"][0]["state"] == "imported"
    assert [p.amount for p in bank_payments(open_books["oncologist"])] == [D("450.00")]
    again = client.post(
        "/api/v1/congresses/met26/reconciliation",
        json={"statement": text, "confirm": True, "token": body["token"]},
        headers=headers,
    )
    assert again.get_json()["recorded"] == []


def test_api_refuses_non_organizers_and_bad_files(
    client, api_token, create_user, organizer, open_books
):
    reviewer = api_token(create_user(email="reviewer@example.org", role="reviewer"))
    response = client.post(
        "/api/v1/congresses/met26/reconciliation", json={"statement": "x"}, headers=reviewer
    )
    assert response.status_code == 403
    bad = client.post(
        "/api/v1/congresses/met26/reconciliation",
        json={"statement": "Datum;Text\n1.12.2026;x\n"},
        headers=api_token(organizer),
    )
    assert bad.status_code == 422
    assert "Columns not found" in bad.get_json()["error"]["fields"]["statement"][0]
