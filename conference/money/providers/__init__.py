"""Online card payment providers: what one must implement, and the one configured here.

The money domain owns the provider flow (conference.money.card); selling domains never talk to
a provider themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from flask import current_app


@dataclass
class Checkout:
    """Where to send the buyer to pay, and the provider's id for the attempt."""

    provider_reference: str
    redirect_url: str


@dataclass
class WebhookResult:
    """What a provider's notification (or a retrieved session) says: for which reference
    (a registration reference, an invoice number), how much, paid or not."""

    client_reference: str
    provider_reference: str
    amount: Decimal
    currency: str
    succeeded: bool
    #: The provider's event id (a replayed event is ignored) and type.
    event_id: str = ""
    event_type: str = ""
    #: The provider's id of the money movement, used to refund it (Stripe: payment intent).
    payment_reference: str = ""


class WebhookRejected(Exception):
    """A notification that is not a genuine, well-formed event from the provider."""


class PaymentProvider(Protocol):
    """What an online card provider (Stripe, Adyen, Mollie, ...) must implement.

    Stripe Checkout is implemented (stripe_checkout.py). `handle_webhook` must verify the
    provider's signature (raising WebhookRejected) and return a WebhookResult; `refund` raises
    ProviderUnavailable (a DomainError) when the provider cannot be reached or refuses.
    """

    name: str

    def create_session(
        self,
        *,
        client_reference: str,
        email: str,
        product_name: str,
        amount: Decimal,
        currency: str,
        metadata: dict,
        return_url: str,
        cancel_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Checkout: ...

    def retrieve(self, session_id: str) -> WebhookResult: ...

    def handle_webhook(self, body: bytes, headers) -> WebhookResult: ...

    def refund(
        self,
        provider_reference: str,
        amount: Decimal,
        currency: str,
        *,
        idempotency_key: str | None = None,
        metadata: dict | None = None,
    ) -> str: ...

    def find_refund(self, provider_reference: str, refund_key: str) -> str | None: ...


def configured_provider() -> PaymentProvider | None:
    """The provider configured for this instance, or None (card payment is then not offered).

    Stripe Checkout when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are both set.
    """
    config = current_app.config
    if config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"):
        from conference.money.providers.stripe_checkout import StripeCheckout

        return StripeCheckout(
            config["STRIPE_SECRET_KEY"],
            config["STRIPE_WEBHOOK_SECRET"],
            api_base=config.get("STRIPE_API_BASE"),
        )
    return None
