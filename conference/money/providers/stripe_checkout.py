"""Stripe Checkout through the official `stripe` library (pinned in requirements.txt).

The attendee pays on Stripe's hosted page; Stripe tells us with a signed webhook
(`checkout.session.completed`), and the return page may also retrieve the session. Amounts go
to Stripe in the currency's minor unit (cents), as Stripe expects.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import stripe

from conference.errors import DomainError
from conference.money.providers import Checkout, WebhookRejected, WebhookResult

log = logging.getLogger(__name__)

#: Currencies Stripe takes in whole units (no cents).
ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()  # noqa: SIM905
)


class ProviderUnavailable(DomainError):
    """The card provider could not be reached or refused the request."""

    status = 502
    code = "payment_provider_error"


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount if currency.upper() in ZERO_DECIMAL else amount * 100)


def from_minor(value: int | None, currency: str) -> Decimal:
    value = Decimal(value or 0)
    if currency.upper() in ZERO_DECIMAL:
        return value.quantize(Decimal("1.00"))
    return (value / 100).quantize(Decimal("0.01"))


class StripeCheckout:
    """`PaymentProvider` (conference.money.providers) for Stripe Checkout Sessions."""

    name = "stripe"

    def __init__(self, secret_key: str, webhook_secret: str, *, api_base: str | None = None):
        self.webhook_secret = webhook_secret
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else {},
            max_network_retries=1,
            # A request of an attendee or a webhook waits for Stripe: not the default 80 s.
            http_client=stripe.new_default_http_client(timeout=20),
        )

    # -- checkout ------------------------------------------------------------------------------

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
    ) -> Checkout:
        """A hosted payment page for one amount; `client_reference` comes back in the events
        (a registration reference, an invoice number)."""
        metadata = {**metadata, "amount": str(amount), "currency": currency.upper()}
        params = {
            "mode": "payment",
            "client_reference_id": client_reference,
            "customer_email": email,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": to_minor(amount, currency),
                        "product_data": {"name": product_name[:250]},
                    },
                }
            ],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": return_url,
            "cancel_url": cancel_url or return_url,
        }
        options = {"idempotency_key": idempotency_key} if idempotency_key else None
        try:
            session = self.client.v1.checkout.sessions.create(params=params, options=options)
        except stripe.StripeError as exc:
            log.warning("stripe: creating a checkout session failed: %s", exc)
            raise ProviderUnavailable(
                "The card payment service is not available right now; please try again later."
            ) from None
        return Checkout(provider_reference=session.id, redirect_url=session.url)

    def retrieve(self, session_id: str) -> WebhookResult:
        """Ask Stripe for a session's state (the return page, before the webhook arrives)."""
        try:
            session = self.client.v1.checkout.sessions.retrieve(session_id)
        except stripe.StripeError as exc:
            log.warning("stripe: retrieving session %s failed: %s", session_id, exc)
            raise ProviderUnavailable("The card payment service is not available.") from None
        return self._result(session.to_dict(), event_id="", event_type="retrieve")

    # -- webhook -------------------------------------------------------------------------------

    def handle_webhook(self, body: bytes, headers) -> WebhookResult:
        """Verify the signature (`stripe.Webhook.construct_event`) and read the event.

        Raises WebhookRejected for an unsigned, wrongly signed, stale or malformed body.
        """
        signature = headers.get("Stripe-Signature")
        if not signature:
            raise WebhookRejected("no Stripe-Signature header")
        try:
            event = stripe.Webhook.construct_event(body, signature, self.webhook_secret)
        except stripe.SignatureVerificationError as exc:
            raise WebhookRejected(f"bad signature: {exc}") from None
        except ValueError as exc:
            raise WebhookRejected(f"malformed payload: {exc}") from None
        event = event.to_dict()  # StripeObjects are not dicts (stripe >= 13)
        event_type = event.get("type", "")
        obj = event.get("data", {}).get("object", {}) if event.get("data") else {}
        if not event_type.startswith("checkout.session.") or obj.get("object") != (
            "checkout.session"
        ):
            return WebhookResult(
                client_reference="",
                provider_reference=str(obj.get("id", "")) if obj else "",
                amount=Decimal("0.00"),
                currency="",
                succeeded=False,
                event_id=event.get("id", ""),
                event_type=event_type,
            )
        return self._result(obj, event_id=event.get("id", ""), event_type=event_type)

    @staticmethod
    def _result(session: dict, *, event_id: str, event_type: str) -> WebhookResult:
        currency = (session.get("currency") or "").upper()
        metadata = session.get("metadata") or {}
        payment_intent = session.get("payment_intent") or ""
        if not isinstance(payment_intent, str):  # expanded object
            payment_intent = payment_intent.get("id", "")
        return WebhookResult(
            client_reference=session.get("client_reference_id")
            or metadata.get("client_reference", ""),
            provider_reference=session.get("id", ""),
            amount=from_minor(session.get("amount_total"), currency),
            currency=currency,
            succeeded=session.get("payment_status") == "paid",
            event_id=event_id,
            event_type=event_type,
            payment_reference=payment_intent,
        )

    # -- refunds -------------------------------------------------------------------------------

    def refund(
        self,
        provider_reference: str,
        amount: Decimal,
        currency: str,
        *,
        idempotency_key: str | None = None,
        metadata: dict | None = None,
    ) -> str:
        """Give money back on a payment intent; return the refund's id."""
        options = {"idempotency_key": idempotency_key} if idempotency_key else None
        params = {
            "payment_intent": provider_reference,
            "amount": to_minor(amount, currency),
            "reason": "requested_by_customer",
        }
        if metadata:
            params["metadata"] = metadata
        try:
            refund = self.client.v1.refunds.create(params=params, options=options)
        except stripe.StripeError as exc:
            log.warning("stripe: refund of %s failed: %s", provider_reference, exc)
            raise ProviderUnavailable(
                "The card refund could not be made at the payment service; nothing was "
                "changed. Please try again later."
            ) from None
        return refund.id

    def find_refund(self, provider_reference: str, refund_key: str) -> str | None:
        """The id of a refund made earlier on this payment intent with our `refund_key` in its
        metadata (an earlier attempt whose answer was lost), or None."""
        try:
            refunds = self.client.v1.refunds.list(
                params={"payment_intent": provider_reference, "limit": 100}
            )
        except stripe.StripeError as exc:
            log.warning("stripe: listing refunds of %s failed: %s", provider_reference, exc)
            raise ProviderUnavailable("The card payment service is not available.") from None
        for refund in refunds.data:
            refund = refund.to_dict()  # StripeObjects are not dicts (stripe >= 13)
            metadata = refund.get("metadata") or {}
            if metadata.get("refund_key") == refund_key and refund.get("status") != "failed":
                return refund["id"]
        return None
