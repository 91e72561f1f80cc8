"""Signals of the money domain.

`invoice_payment_recorded` is sent (sender: the invoice) after money received is recorded
against an invoice (`services.record_invoice_payment`), before the commit. The selling domain
that owns the invoice's `source` listens (registration's group orders confirm their delegates),
so money never imports what it sells.
"""

from blinker import Namespace

_signals = Namespace()

invoice_payment_recorded = _signals.signal("invoice-payment-recorded")
