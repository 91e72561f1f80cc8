"""Signals of the money domain.

`payment_recorded` is sent after money received is recorded against an invoice
(`services.record_invoice_payment`: by hand, reconciliation, a provider), before the commit.
`sender` is the order's `source` ("registration", "group_order", "abstract_fee", ...); kwargs
`congress_id`, `source_key`, `invoice`, `payment`, `invoice_number`, `outstanding` (Decimal)
and `received_at`. The selling domain that owns the source listens (registration's group orders
confirm their delegates, abstracts complete a paid submission), so money never imports what it
sells.
"""

from blinker import Namespace

_signals = Namespace()

payment_recorded = _signals.signal("money-payment-recorded")
