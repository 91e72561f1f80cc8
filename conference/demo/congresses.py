"""Demo policies: the terms, cancellation and privacy texts an organizer would publish."""

from __future__ import annotations

from conference.congresses import services
from conference.demo import DemoResult


def _when(value) -> str:
    return value.strftime("%d %B %Y") if value else "the date announced on the website"


def load(result: DemoResult, size: str = "small") -> None:
    congress = result.congress
    contact = congress.contact_email or "the congress secretariat"
    refund_deadline = _when(congress.refund_deadline_at)
    services.save_policies(
        congress,
        {
            "terms": f"""# Registration terms and conditions

These terms apply to every registration for **{congress.name}**
({congress.starts_on:%d %B} to {congress.ends_on:%d %B %Y}, {congress.venue or congress.city}).

## Fees and payment
- The fee depends on your professional category and on the date you register (early,
  regular or on-site). Fees are in {congress.currency} and include VAT.
- Pay by bank transfer quoting your registration reference, or by card at the desk.
  An unpaid registration holds its place until the date shown on your registration page;
  after that the place goes to the next person on the waiting list.
- Institutions and companies paying for a participant receive an invoice on request.

## Your registration
- Registrations are personal and **not transferable**.
- Categories with a reduced fee (students, trainees, nurses) need proof of status; an
  organizer checks it before the place is confirmed.
- Your badge and its QR code are your entry to the congress; bring an identity document.

## Programme changes
The organizers may change speakers, times and rooms. Changes are announced in the online
programme; they give no right to a refund.

Questions: [{contact}](mailto:{contact}).
""",
            "cancellation": f"""# Cancellation policy

- Cancel from your private registration page (the link in your confirmation email).
- Until **{refund_deadline}** you are refunded what you paid, less the cancellation fee of
  your category (shown on your registration page before you confirm).
- After that date no refund is possible; registrations cannot be transferred to someone else.
- Refunds go back to the account or card the payment came from within 30 days.
- If the congress is cancelled by the organizers, every fee is refunded in full.
""",
            "privacy": f"""# Privacy policy

We process your personal data to run {congress.name}: your registration, badge, payments,
invoices, certificates of attendance and, if you submit one, your abstract.

| Data | Why | Kept |
|---|---|---|
| Name, email, affiliation, country | registration, badge, certificates | 2 years |
| Payments and invoices | accounting law | 10 years |
| Dietary and accessibility needs | catering and access on site | deleted after the congress |

- Exhibitors receive your contact details **only if you tick the box** on the form.
- You can see, download and erase your data from your registration page at any time.
- Contact for data protection questions: [{contact}](mailto:{contact}).
""",
        },
    )
