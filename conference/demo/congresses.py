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
    policies = services.save_policies(
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
    _french(congress, policies, contact, refund_deadline)


_FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def _fr(value) -> str:
    return f"{value.day} {_FRENCH_MONTHS[value.month - 1]} {value.year}"


def _french(congress, policies, contact, refund_deadline) -> None:
    """The policies in French too, as an organizer gives them on the content page: a
    French-speaking attendee reads the terms in French (others fall back to English)."""
    from conference.content import services as content

    if "fr" not in content.other_languages(congress):
        return
    deadline = (
        _fr(congress.refund_deadline_at) if congress.refund_deadline_at else "la date annoncée"
    )
    contact = contact if "@" in contact else "le secrétariat du congrès"
    texts = {
        "terms": f"""# Conditions générales d'inscription

Ces conditions s'appliquent à toute inscription au **{congress.name}**
(du {_fr(congress.starts_on)} au {_fr(congress.ends_on)}, {congress.venue or congress.city}).

## Frais et paiement
- Les frais dépendent de votre catégorie professionnelle et de la date d'inscription (tarif
  anticipé, normal ou sur place). Ils sont en {congress.currency}, TVA comprise.
- Payez par virement en indiquant la référence de votre inscription, ou par carte à l'accueil.
  Une inscription non payée conserve sa place jusqu'à la date indiquée sur votre page
  d'inscription ; ensuite, la place revient à la personne suivante sur la liste d'attente.
- Les institutions et entreprises qui paient pour un participant reçoivent une facture sur
  demande.

## Votre inscription
- Les inscriptions sont nominatives et **non transférables**.
- Les catégories à tarif réduit (étudiants, internes, infirmiers) doivent fournir un
  justificatif, vérifié par les organisateurs avant la confirmation de la place.
- Votre badge et son code QR donnent accès au congrès ; munissez-vous d'une pièce d'identité.

## Modifications du programme
Les organisateurs peuvent modifier les orateurs, les horaires et les salles. Les changements
sont annoncés dans le programme en ligne et ne donnent pas droit à un remboursement.

Questions : [{contact}](mailto:{contact}).
""",
        "cancellation": f"""# Conditions d'annulation

- Annulez depuis votre page d'inscription privée (le lien de votre e-mail de confirmation).
- Jusqu'au **{deadline}**, vous êtes remboursé de ce que vous avez payé, moins les frais
  d'annulation de votre catégorie (indiqués sur votre page d'inscription avant confirmation).
- Après cette date, aucun remboursement n'est possible ; une inscription ne peut pas être
  cédée à une autre personne.
- Les remboursements sont versés sur le compte ou la carte d'origine sous 30 jours.
- Si le congrès est annulé par les organisateurs, tous les frais sont remboursés.
""",
        "privacy": f"""# Politique de confidentialité

Nous traitons vos données personnelles pour organiser le {congress.name} : votre inscription,
votre badge, vos paiements, vos factures, vos attestations de présence et, le cas échéant,
votre résumé.

| Données | Pourquoi | Conservation |
|---|---|---|
| Nom, e-mail, affiliation, pays | inscription, badge, attestations | 2 ans |
| Paiements et factures | obligations comptables | 10 ans |
| Régime, besoins d'accessibilité | restauration, accès sur place | supprimés après le congrès |

- Les exposants ne reçoivent vos coordonnées **que si vous cochez la case** du formulaire.
- Vous pouvez consulter, télécharger et effacer vos données depuis votre page d'inscription.
- Contact pour la protection des données : [{contact}](mailto:{contact}).
""",
    }
    for kind, policy in (policies or {}).items():
        text = texts.get(str(getattr(kind, "value", kind)))
        if policy is not None and text:
            content.set_object_translations(congress, "page", policy.id, {"fr": {"body": text}})
