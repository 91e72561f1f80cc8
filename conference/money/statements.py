"""Parse a bank statement CSV: `;` or `,` separated, decimal comma or point, BOM tolerated,
columns found by their header names in any order (English and German bank exports)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

#: Largest statement accepted (bytes) and most lines.
MAX_BYTES = 1_000_000
MAX_LINES = 5_000

#: Header names per field, normalized (lower case, letters and digits only); first match wins.
HEADERS = {
    "date": (
        "date",
        "bookingdate",
        "valuedate",
        "transactiondate",
        "datum",
        "buchungstag",
        "buchungsdatum",
        "valuta",
        "wertstellung",
        "valutadatum",
    ),
    "amount": ("amount", "betrag", "betrageur", "umsatz", "credit", "haben", "value"),
    "currency": ("currency", "ccy", "wahrung", "waehrung", "wahrungscode"),
    "reference": (
        "reference",
        "remittance",
        "remittanceinformation",
        "remittancetext",
        "verwendungszweck",
        "purpose",
        "paymentreference",
        "details",
        "description",
        "text",
        "memo",
        "buchungstext",
    ),
    "payer": (
        "payername",
        "payer",
        "name",
        "auftraggeber",
        "zahlungspflichtiger",
        "auftraggeberzahlungspflichtiger",
        "beguenstigterzahlungspflichtiger",
        "begunstigterzahlungspflichtiger",
        "counterparty",
        "sender",
        "from",
    ),
}
REQUIRED = ("date", "amount", "reference")


class StatementError(ValueError):
    """The file as a whole cannot be read (shown above the form)."""


@dataclass(frozen=True)
class StatementLine:
    number: int  # line number in the file (the header is line 1)
    booked_on: date
    amount: Decimal
    currency: str
    remittance: str
    payer: str
    line_hash: str


@dataclass
class Statement:
    lines: list[StatementLine] = field(default_factory=list)
    #: (line number, message) for lines that could not be read.
    errors: list[tuple[int, str]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)


def _key(header: str) -> str:
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def decode(data: bytes | str) -> str:
    """The statement's text without a BOM, lines ending in \\n (as a form field sends it back)."""
    if isinstance(data, str):
        return _newlines(data.lstrip("\ufeff"))
    if len(data) > MAX_BYTES:
        raise StatementError(f"The statement is larger than {MAX_BYTES // 1000} kB: split it.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return _newlines(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise StatementError("The statement is not a text file.")  # pragma: no cover (cp1252)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_amount(text: str) -> Decimal:
    """`1.234,56`, `1,234.56`, `450,00`, `-12.5`, `450.00 EUR` -> Decimal (ValueError)."""
    value = re.sub(r"[^\d,.\-+]", "", text or "")
    if not re.search(r"\d", value):
        raise ValueError("no digits")
    if "," in value and "." in value:
        decimal_mark = "," if value.rfind(",") > value.rfind(".") else "."
    elif "," in value:
        decimal_mark = "," if re.search(r",\d{1,2}$", value) else "."
    else:
        decimal_mark = "."
    thousands = "." if decimal_mark == "," else ","
    value = value.replace(thousands, "").replace(decimal_mark, ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("more than two decimals")
    return amount.quantize(Decimal("0.01"))


def parse_date(text: str) -> date:
    value = (text or "").strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%d %b %Y", "%Y%m%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError("unknown date")


def _columns(header: list[str]) -> dict[str, int]:
    keys = [_key(name) for name in header]
    found: dict[str, int] = {}
    for name, candidates in HEADERS.items():
        for candidate in candidates:
            if candidate in keys and keys.index(candidate) not in found.values():
                found[name] = keys.index(candidate)
                break
    return found


def parse_statement(data: bytes | str, *, default_currency: str = "EUR") -> Statement:
    """Read a statement; a bad line is reported with its number, the others are kept."""
    text = decode(data)
    if "\x00" in text:
        raise StatementError("The statement is not a text file: export it from your bank as CSV.")
    if len(text.encode()) > MAX_BYTES:
        raise StatementError(f"The statement is larger than {MAX_BYTES // 1000} kB: split it.")
    rows = [line for line in text.splitlines() if line.strip()]
    if not rows:
        raise StatementError("The statement is empty.")
    if len(rows) > MAX_LINES + 1:
        raise StatementError(f"The statement has more than {MAX_LINES} lines: split it.")
    delimiter = ";" if rows[0].count(";") >= rows[0].count(",") and ";" in rows[0] else ","
    if "\t" in rows[0] and delimiter not in rows[0]:
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    try:
        records = [record for record in reader if any(cell.strip() for cell in record)]
    except csv.Error as exc:
        raise StatementError(f"The statement is not a readable CSV file: {exc}.") from None
    header, body = records[0], records[1:]
    columns = _columns(header)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise StatementError(
            "Columns not found: "
            + ", ".join(missing)
            + ". The first line must name the columns (e.g. date, amount, currency, reference, "
            "payer name; or Buchungstag, Betrag, Währung, Verwendungszweck, Auftraggeber). "
            "Found: " + ", ".join(name.strip() for name in header if name.strip()) + "."
        )
    statement = Statement(columns={name: header[index].strip() for name, index in columns.items()})
    seen: dict[str, int] = {}
    for number, record in enumerate(body, start=2):

        def cell(name: str, record=record) -> str:
            index = columns.get(name)
            return record[index].strip() if index is not None and index < len(record) else ""

        problems = []
        try:
            booked_on = parse_date(cell("date"))
        except ValueError:
            problems.append(
                f"date “{cell('date')[:40]}” is not a date such as 2026-03-14 or 14.03.2026"
            )
        try:
            amount = parse_amount(cell("amount"))
        except ValueError:
            problems.append(
                f"amount “{cell('amount')[:40]}” is not an amount such as 450.00 or 450,00"
            )
        currency = (cell("currency") or default_currency).upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            problems.append(f"currency “{currency[:10]}” is not a code such as EUR")
        if problems:
            message = "; ".join(problems)
            statement.errors.append((number, message[:1].upper() + message[1:] + "."))
            continue
        remittance = cell("reference")[:300]
        payer = cell("payer")[:200]
        canonical = "|".join(
            (
                booked_on.isoformat(),
                str(amount),
                currency,
                " ".join(remittance.split()).lower(),
                " ".join(payer.split()).lower(),
            )
        )
        occurrence = seen.get(canonical, 0)
        seen[canonical] = occurrence + 1
        line_hash = hashlib.sha256(f"{canonical}|{occurrence}".encode()).hexdigest()
        statement.lines.append(
            StatementLine(number, booked_on, amount, currency, remittance, payer, line_hash)
        )
    return statement
