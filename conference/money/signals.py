"""Signals of the money domain.

`payment_recorded` is sent after money received is recorded, before the commit. `sender` is
the sale's `source` ("registration", "group_order", "abstract_fee", ...); kwargs
`congress_id`, `source_key`, `invoice`, `payment`, `invoice_number`, `outstanding` (Decimal)
and `received_at`.

- Against an invoice (`services.record_invoice_payment`: by hand, reconciliation, a card
  payment of the invoice): `invoice` and `payment` are set.
- A card payment of a sale that is not invoiced yet (`conference.money.card`, e.g. a
  registration, invoiced once paid): `invoice`, `payment` and `outstanding` are None and
  `checkout` (the paid `CardCheckout`), `amount`, `method` and `reference` are given. The
  selling domain records the money on its side and **returns True**; it raises
  `conference.money.card.PaymentRefused` when the sale no longer takes the money, and money
  gives it back through the provider (also when no receiver returned True).

The selling domain that owns the source listens (registration confirms its attendees and
group orders' delegates, abstracts complete a paid submission), so money never imports what
it sells.

`card_payment_refunded` is sent when a card payment that a sale no longer took was given back
through the provider (automatically, or later by an organizer): sender the `source`, kwargs
`congress_id`, `source_key`, `checkout`. The seller tells its buyer.
"""

from blinker import Namespace

_signals = Namespace()

payment_recorded = _signals.signal("money-payment-recorded")
card_payment_refunded = _signals.signal("money-card-payment-refunded")
