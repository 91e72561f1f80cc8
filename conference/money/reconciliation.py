"""Reconcile bank transfers: match statement lines to registrations and invoices by the
reference or invoice number in the remittance text, then record the confirmed ones.

Money never reads registration tables: open balances come from registration's
`get_open_balances`, and a payment for a registration is recorded through registration's
`record_payment` (which records it on the registration's invoice through its money hook).
Invoices not sold by registration (sponsorship, ...) get `record_invoice_payment`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from conference.errors import DomainError
from conference.extensions import db
from conference.money.models import BankStatementLine, DocumentKind, Invoice
from conference.money.queries import get_rows
from conference.money.statements import Statement, StatementLine
from conference.program.models import Congress

#: Line states on the result page.
MATCHED = "matched"
DIFFERS = "differs"
UNMATCHED = "unmatched"
ALREADY_PAID = "already_paid"
IMPORTED = "imported"  # this very line was imported before
OUTGOING = "outgoing"  # a debit: nothing to record

STATE_LABELS = {
    MATCHED: "Matched",
    DIFFERS: "Amount differs",
    UNMATCHED: "Unmatched",
    ALREADY_PAID: "Already paid",
    IMPORTED: "Already imported",
    OUTGOING: "Outgoing (ignored)",
}


def compact(text: str) -> str:
    """Upper case without spaces, dashes, dots, slashes: `met26 - 7k3q` -> `MET267K3Q`."""
    return re.sub(r"[\s\-_./]", "", (text or "").upper())


@dataclass
class Target:
    """Something a transfer can pay: a registration (by reference) or an invoice."""

    key: str  # the registration reference or the invoice number
    kind: str  # "registration" or "invoice"
    name: str
    due: Decimal
    currency: str
    payable: bool


@dataclass
class Match:
    line: StatementLine
    state: str
    target: Target | None = None
    #: What the line pays against what is due before it (for DIFFERS: under or over).
    due: Decimal | None = None
    note: str = ""

    @property
    def difference(self) -> Decimal | None:
        return None if self.due is None else self.line.amount - self.due


def _targets(congress: Congress) -> dict[str, Target]:
    """Compact key -> target, for every registration and invoice of the congress."""
    from conference.registration.queries import get_open_balances

    targets: dict[str, Target] = {}
    balances = get_open_balances(congress)
    for balance in balances.values():
        targets[compact(balance.reference)] = Target(
            balance.reference,
            "registration",
            balance.full_name,
            balance.amount_due,
            balance.currency,
            balance.is_payable,
        )
    invoices = list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.congress_id == congress.id, Invoice.kind == DocumentKind.INVOICE)
            .join(Invoice.order)
        )
    )
    for row in get_rows(invoices):
        invoice = row.invoice
        order = invoice.order
        if order.source == "registration" and order.source_key in balances:
            # A registration's invoice is paid through the registration (its hook records it
            # on the invoice), so the invoice number leads to the registration.
            registration = targets[compact(order.source_key)]
            targets[compact(invoice.number)] = registration
            continue
        targets[compact(invoice.number)] = Target(
            invoice.number,
            "invoice",
            invoice.buyer_name,
            max(row.outstanding, Decimal("0.00")),
            invoice.currency,
            row.outstanding > 0,
        )
    return targets


def _find(text: str, targets: dict[str, Target], lengths: list[int]) -> list[Target]:
    found: dict[str, Target] = {}
    for start in range(len(text)):
        for length in lengths:
            target = targets.get(text[start : start + length])
            if target is not None:
                found[target.key] = target
    return list(found.values())


def match_statement(congress: Congress, statement: Statement) -> list[Match]:
    """Each line of the statement with what it would pay (nothing is written)."""
    targets = _targets(congress)
    lengths = sorted({len(key) for key in targets}, reverse=True)
    imported = set(
        db.session.scalars(
            select(BankStatementLine.line_hash).where(
                BankStatementLine.congress_id == congress.id,
                BankStatementLine.line_hash.in_([line.line_hash for line in statement.lines]),
            )
        )
    )
    #: What earlier lines of this statement already pay, per target.
    pending: dict[str, Decimal] = {}
    matches = []
    for line in statement.lines:
        if line.line_hash in imported:
            matches.append(Match(line, IMPORTED, note=_("Recorded by an earlier import.")))
            continue
        if line.amount <= 0:
            matches.append(Match(line, OUTGOING))
            continue
        found = _find(compact(line.remittance), targets, lengths)
        if not found:
            matches.append(Match(line, UNMATCHED, note=_("No reference or invoice number found.")))
            continue
        if len(found) > 1:
            keys = ", ".join(target.key for target in found)
            matches.append(
                Match(line, UNMATCHED, note=_("Several references found: %(keys)s.", keys=keys))
            )
            continue
        target = found[0]
        if line.currency != target.currency:
            note = _(
                "Paid in %(paid)s, %(key)s is due in %(due)s.",
                paid=line.currency,
                key=target.key,
                due=target.currency,
            )
            matches.append(Match(line, UNMATCHED, target=target, note=note))
            continue
        due = target.due - pending.get(target.key, Decimal("0.00"))
        if due <= 0 or not target.payable:
            note = (
                _("Nothing is due.") if target.payable else _("No payment can be recorded on it.")
            )
            matches.append(
                Match(line, ALREADY_PAID, target=target, due=max(due, Decimal(0)), note=note)
            )
            continue
        state = MATCHED if line.amount == due else DIFFERS
        if state == DIFFERS:
            note = (
                _("Underpaid.") if line.amount < due else _("Overpaid: the amount due is recorded.")
            )
        else:
            note = ""
        pending[target.key] = pending.get(target.key, Decimal("0.00")) + min(line.amount, due)
        matches.append(Match(line, state, target=target, due=due, note=note))
    return matches


def statement_token(congress: Congress, text: str) -> str:
    """Binds a confirmation to the statement that was previewed."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"reconciliation:{congress.id}:".encode() + text.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def check_token(congress: Congress, text: str, token: str) -> bool:
    return hmac.compare_digest(statement_token(congress, text), token or "")


@dataclass
class Recorded:
    line: StatementLine
    key: str
    amount: Decimal
    error: str = ""


def record_matches(
    congress: Congress, matches: list[Match], *, include_differing=(), by=None
) -> list[Recorded]:
    """Record the matched lines (and the differing ones whose line numbers are in
    `include_differing`) as bank transfers, each once: a line already imported is skipped.

    Each line is recorded in a savepoint: one refused line (a registration cancelled since the
    preview) is reported and the others are kept. Flushes, never commits.
    """
    from conference.money import services
    from conference.money.queries import get_invoice_by_number
    from conference.registration.payments import record_payment
    from conference.registration.queries import get_registration

    chosen = set(include_differing)
    results = []
    for match in matches:
        if not (match.state == MATCHED or (match.state == DIFFERS and match.line.number in chosen)):
            continue
        line, target = match.line, match.target
        amount = min(line.amount, match.due)
        note = f"Bank transfer {line.booked_on.isoformat()}: {line.payer} {line.remittance}"
        try:
            with db.session.begin_nested():
                exists = db.session.scalar(
                    select(BankStatementLine.id).where(
                        BankStatementLine.congress_id == congress.id,
                        BankStatementLine.line_hash == line.line_hash,
                    )
                )
                if exists:
                    continue
                if target.kind == "registration":
                    registration = get_registration(congress, target.key)
                    record_payment(
                        registration,
                        kind="bank_transfer",
                        amount=str(amount),
                        note=note[:300],
                        by=by,
                        idempotency_key=f"bank:{line.line_hash[:56]}",
                    )
                else:
                    services.record_invoice_payment(
                        get_invoice_by_number(congress, target.key),
                        amount,
                        method="bank_transfer",
                        reference=note[:120],
                    )
                db.session.add(
                    BankStatementLine(
                        congress_id=congress.id,
                        line_hash=line.line_hash,
                        booked_on=line.booked_on,
                        amount=line.amount,
                        currency=line.currency,
                        remittance=line.remittance[:300],
                        payer=line.payer[:200],
                        matched_to=target.key,
                        recorded_amount=amount,
                        recorded_by_id=by.id if by else None,
                    )
                )
                db.session.flush()
        except DomainError as exc:
            results.append(Recorded(line, target.key, amount, error=str(exc)))
        else:
            results.append(Recorded(line, target.key, amount))
    return results
