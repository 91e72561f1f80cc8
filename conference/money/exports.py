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


VOUCHER_COLUMNS = (
    "code",
    "label",
    "kind",
    "value",
    "currency",
    "categories",
    "max_uses",
    "uses",
    "valid_from",
    "valid_until",
    "used_by",
)


def vouchers_csv(vouchers, category_names: dict[int, str]) -> str:
    """One row per voucher; `used_by` lists the sale keys (registration references) using it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(VOUCHER_COLUMNS)
    for voucher in vouchers:
        value = {"percent": voucher.percent, "fixed": voucher.amount}.get(voucher.kind)
        writer.writerow(
            safe_row(
                (
                    voucher.code,
                    voucher.label,
                    voucher.kind,
                    value if value is not None else "",
                    voucher.currency,
                    "; ".join(category_names.get(i, str(i)) for i in voucher.category_ids) or "all",
                    voucher.max_uses,
                    voucher.uses,
                    voucher.valid_from.isoformat() if voucher.valid_from else "",
                    voucher.valid_until.isoformat() if voucher.valid_until else "",
                    " ".join(r.source_key for r in voucher.redemptions if r.released_at is None),
                )
            )
        )
    return out.getvalue()
