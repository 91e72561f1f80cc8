"""The accountant's CSV of invoices and credit notes (cells through conference.spreadsheet)."""

from __future__ import annotations

import csv
import io

from conference.money.queries import InvoiceRow
from conference.spreadsheet import safe_cell, safe_row

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


OVERVIEW_COLUMNS = (
    "day",
    "category",
    "invoiced",
    "credited",
    "net_invoiced",
    "bank_transfer",
    "card_on_site",
    "online_card",
    "cash",
    "other",
    "refunded",
    "paid",
    "outstanding",
    "waived_not_money",
    "currency",
)


def _overview_cells(day: str, category: str, figures, currency: str) -> list:
    methods = figures.by_method
    return [
        safe_cell(value)
        for value in (
            day,
            category,
            figures.invoiced,
            figures.credited,
            figures.net_invoiced,
            methods["bank_transfer"],
            methods["card"],
            methods["online_card"],
            methods["cash"],
            methods["other"],
            figures.refunded,
            figures.paid,
            figures.outstanding,
            figures.waived,
            currency,
        )
    ]


def overview_csv(overview) -> str:
    """The money overview: one row per day and category, then one per category and the total."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(OVERVIEW_COLUMNS)
    for (day, category), figures in overview.rows:
        writer.writerow(_overview_cells(day.isoformat(), category, figures, overview.currency))
    for category, figures in overview.by_category:
        writer.writerow(_overview_cells("all days", category, figures, overview.currency))
    writer.writerow(_overview_cells("total", "", overview.totals, overview.currency))
    return out.getvalue()
