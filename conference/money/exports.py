"""The accountant's CSV of invoices and credit notes (cells through conference.spreadsheet)."""

from __future__ import annotations

import csv
import io

from conference.money.queries import InvoiceRow
from conference.spreadsheet import safe_row

CSV_COLUMNS = (
    "number",
    "type",
    "date",
    "buyer",
    "buyer_country",
    "buyer_vat_id",
    "reverse_charge",
    "net",
    "vat",
    "gross",
    "paid",
    "outstanding",
    "currency",
    "refers_to",
)


def invoices_csv(rows: list[InvoiceRow]) -> str:
    """One row per invoice or credit note (credit notes negative), amounts as plain numbers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        invoice = row.invoice
        writer.writerow(
            safe_row(
                (
                    invoice.number,
                    invoice.kind,
                    invoice.issue_date.isoformat(),
                    invoice.buyer_name,
                    invoice.buyer_country,
                    invoice.buyer_vat_id,
                    invoice.is_reverse_charge,
                    invoice.total_net,
                    invoice.total_vat,
                    invoice.total_gross,
                    row.paid,
                    row.outstanding,
                    invoice.currency,
                    invoice.corrects.number if invoice.corrects_id else "",
                )
            )
        )
    return out.getvalue()
