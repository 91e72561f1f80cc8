"""Online card payment providers behind `conference.registration.payments.PaymentProvider`."""

from __future__ import annotations

from flask import current_app


def configured_provider():
    """The provider configured for this instance, or None (card payment is then not offered).

    Stripe Checkout when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are both set.
    """
    config = current_app.config
    if config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"):
        from conference.registration.providers.stripe_checkout import StripeCheckout

        return StripeCheckout(
            config["STRIPE_SECRET_KEY"],
            config["STRIPE_WEBHOOK_SECRET"],
            api_base=config.get("STRIPE_API_BASE"),
        )
    return None
