"""Human names of the codes stored in the database, written once: `human(value, kind)`,
`plural(count, word)`, and the `|human` / `|plural` template filters.

Each map comes from the domain that owns the code (its models); this module only gathers
them, so a page or an email never shows `consulting_advisory` or `poster_discussion`.
Labels are marked for translation (`lazy_gettext`) where they are written; `human` returns
them in the reader's language.
"""

from __future__ import annotations

import enum
from functools import cache

from flask_babel import lazy_gettext as _l


@cache
def label_maps() -> dict[str, dict[str, str]]:
    """{kind: {code: label}} for every code a page or an email may show."""
    from conference.abstracts.models import (
        CONFLICT_SOURCE_LABELS,
        DISCLOSURE_LABELS,
        KIND_LABELS,
        OUTCOME_LABELS,
        STATUS_LABELS,
    )
    from conference.accounts.models import ROLE_LABELS
    from conference.cme.models import MITIGATION_LABELS, RELEVANCE_LABELS
    from conference.money.models import DocumentKind, ItemType
    from conference.program.conflicts import CONFLICT_KIND_LABELS
    from conference.program.schedule_models import FORMAT_LABELS
    from conference.registration.models import FeePeriod, PaymentKind, RegistrationStatus

    def own(enum_class) -> dict:
        return {member: member.label for member in enum_class}

    maps = {
        "abstract_kind": KIND_LABELS,
        "abstract_status": STATUS_LABELS,
        "outcome": OUTCOME_LABELS,
        "review_conflict": CONFLICT_SOURCE_LABELS,
        "disclosure": DISCLOSURE_LABELS,
        "role": ROLE_LABELS,
        "cme_relevance": RELEVANCE_LABELS,
        "mitigation": MITIGATION_LABELS,
        "session_format": FORMAT_LABELS,
        "session_role": {
            "chair": _l("Chair"),
            "discussant": _l("Discussant"),
            "speaker": _l("Speaker"),
        },
        "schedule_conflict": CONFLICT_KIND_LABELS,
        "registration_status": own(RegistrationStatus),
        "fee_period": own(FeePeriod),
        "payment_kind": own(PaymentKind),
        "proof_status": {
            "not_needed": _l("Not needed"),
            "missing": _l("Missing"),
            "pending": _l("Pending"),
            "approved": _l("Approved"),
            "refused": _l("Refused"),
        },
        "item_type": own(ItemType),
        "document_kind": own(DocumentKind),
        "order_status": {
            "open": _l("Open"),
            "invoiced": _l("Invoiced"),
            "cancelled": _l("Cancelled"),
        },
        "vat_check": {
            "none": _l("Not checked"),
            "valid": _l("Valid EU VAT id"),
            "unchecked": _l("Unchecked"),
        },
        "outbox_status": {
            "queued": _l("Queued"),
            "sending": _l("Sending"),
            "sent": _l("Sent"),
            "failed": _l("Failed"),
        },
        "counting_preset": {
            "asco": "ASCO",
            "sabcs": "SABCS",
            "esso": "ESSO",
            "custom": _l("Custom"),
        },
        "table_counting": {
            "characters": _l("Characters"),
            "flat": _l("Flat"),
        },
        "book_build_status": {
            "queued": _l("Queued"),
            "building": _l("Being built"),
            "ready": _l("Ready"),
            "failed": _l("Failed"),
            "superseded": _l("Superseded"),
        },
    }
    return {
        kind: {str(code): label for code, label in codes.items()} for kind, codes in maps.items()
    }


@cache
def _kind_of_enum() -> dict[type, str]:
    from conference.abstracts.models import AbstractKind, AbstractStatus, ConflictSource, Outcome
    from conference.accounts.models import Role
    from conference.mail import OutboxStatus
    from conference.money.models import DocumentKind, ItemType, OrderStatus, VatIdCheck
    from conference.program.models import CountingPreset, TableCounting
    from conference.program.schedule_models import SessionFormat, SessionRole
    from conference.registration.models import (
        FeePeriod,
        PaymentKind,
        ProofStatus,
        RegistrationStatus,
    )

    return {
        AbstractKind: "abstract_kind",
        AbstractStatus: "abstract_status",
        Outcome: "outcome",
        ConflictSource: "review_conflict",
        Role: "role",
        SessionFormat: "session_format",
        SessionRole: "session_role",
        RegistrationStatus: "registration_status",
        FeePeriod: "fee_period",
        PaymentKind: "payment_kind",
        ProofStatus: "proof_status",
        ItemType: "item_type",
        DocumentKind: "document_kind",
        OrderStatus: "order_status",
        VatIdCheck: "vat_check",
        OutboxStatus: "outbox_status",
        CountingPreset: "counting_preset",
        TableCounting: "table_counting",
    }


def human(value, kind: str | None = None) -> str:
    """The label of a code: `human(Outcome.POSTER)`, `human("consulting_advisory", "disclosure")`.

    An enum member knows its kind; a plain string needs it. An unknown code still reads as
    words ("some_code" -> "Some code"), never as an identifier.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, enum.Enum) and kind is None:
        kind = _kind_of_enum().get(type(value))
    code = str(value.value if isinstance(value, enum.Enum) else value)
    if kind is not None:
        if kind not in label_maps():
            raise KeyError(f"No labels for {kind!r}")
        label = label_maps()[kind].get(code)
        if label is not None:
            return str(label)  # a lazy label, written in the reader's language
    return code.replace("_", " ").capitalize()


#: Plurals that do not just add an "s".
IRREGULAR_PLURALS = {"person": "people", "criterion": "criteria"}


def plural_word(count: int, singular: str, plural_form: str | None = None) -> str:
    """The English word for `count` things: "conflict" for 1, "conflicts" otherwise.

    English only (command-line output, logs): text for readers uses `ngettext` with the
    whole sentence, so each language makes its own plural."""
    if count == 1:
        return singular
    if plural_form:
        return plural_form
    if singular in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[singular]
    last = singular.split()[-1] if singular.split() else singular
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        return singular[:-1] + "ies"
    if last.endswith(("s", "x", "ch", "sh")):
        return singular + "es"
    return singular + "s"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """The count and its word: "1 conflict", "2 conflicts", "0 abstracts"."""
    return f"{count} {plural_word(count, singular, plural_form)}"


def register_filters(app) -> None:
    """`{{ code|human("disclosure") }}`, `{{ conflicts|length|plural("conflict") }}`."""
    app.add_template_filter(human, "human")
    app.add_template_filter(plural, "plural")
    app.add_template_filter(plural_word, "plural_word")
