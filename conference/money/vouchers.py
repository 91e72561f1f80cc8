"""Vouchers: create codes (one or a batch), quote and redeem them for a price, release a use.

The money domain knows amounts, not what is bought: the selling domain (registration) hands
in the price, its item key (a registration category id) and its own sale key, and gets the
discount back. Every refusal a buyer can cause is a `ValidationFailed` on the field
``voucher``; services flush, never commit.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select, update

from conference.errors import FieldErrors, ValidationFailed
from conference.extensions import db
from conference.models import utcnow
from conference.money.models import Voucher, VoucherKind, VoucherRedemption
from conference.program.models import Congress

#: No 0/O, 1/I/L: codes are read aloud and typed from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
MAX_BATCH = 1000
MAX_USES = 100_000
PREFIX_RE = re.compile(r"^[A-Z0-9]{0,10}$")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("100000000")


def normalize_code(code: str | None) -> str:
    """What people type, as stored: upper case, without spaces."""
    return re.sub(r"\s+", "", code or "").upper()


def _new_code(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{prefix}-{body}" if prefix else body


def _decimal(value, field: str, errors: FieldErrors) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.add(field, _("Enter a number."))
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter a number such as 20 or 100.00."))
        return None
    if not number.is_finite():
        errors.add(field, _("Enter a number such as 20 or 100.00."))
        return None
    return number


def create_vouchers(
    congress: Congress,
    *,
    kind: str,
    count: int = 1,
    percent=None,
    amount=None,
    category_ids: list[int] | None = None,
    max_uses: int = 1,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    label: str = "",
    prefix: str = "",
    by=None,
) -> list[Voucher]:
    """Create `count` vouchers alike, each with its own random code (a batch when count > 1)."""
    errors = FieldErrors()
    try:
        kind = VoucherKind(kind)
    except ValueError:
        errors.add("kind", _("Choose percent, fixed or free_place."))
    if not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        errors.add("count", _("Enter a whole number from 1 to %(MAX_BATCH)s.", MAX_BATCH=MAX_BATCH))
    if not isinstance(max_uses, int) or not 1 <= max_uses <= MAX_USES:
        errors.add(
            "max_uses", _("Enter a whole number of uses from 1 to %(MAX_USES)s.", MAX_USES=MAX_USES)
        )
    clean_percent = clean_amount = None
    if kind == VoucherKind.PERCENT:
        clean_percent = _decimal(percent, "percent", errors)
        if clean_percent is not None and (
            not 0 < clean_percent <= 100 or clean_percent != clean_percent.quantize(CENT)
        ):
            errors.add("percent", _("Enter a percentage above 0 and at most 100."))
            clean_percent = None
    elif kind == VoucherKind.FIXED:
        clean_amount = _decimal(amount, "amount", errors)
        if clean_amount is not None and (
            clean_amount <= 0
            or clean_amount >= MAX_AMOUNT
            or clean_amount != clean_amount.quantize(CENT)
        ):
            errors.add("amount", _("Enter an amount above 0 with at most two decimals."))
    label = (label or "").strip()
    if len(label) > 100:
        errors.add("label", _("At most 100 characters."))
    prefix = normalize_code(prefix).strip("-")
    if not PREFIX_RE.match(prefix):
        errors.add("prefix", _("Use at most 10 letters and digits."))
    if valid_from and valid_until and valid_until <= valid_from:
        errors.add("valid_until", _("The end must be after the start."))
    ids = sorted({int(i) for i in category_ids or []})
    errors.raise_if_any()

    codes: set[str] = set()
    while len(codes) < count:
        wanted = {_new_code(prefix) for _ in range(count - len(codes))} - codes
        taken = set(db.session.scalars(select(Voucher.code).where(Voucher.code.in_(wanted))))
        codes |= wanted - taken
    vouchers = [
        Voucher(
            congress_id=congress.id,
            code=code,
            kind=kind.value,
            percent=clean_percent.quantize(CENT) if clean_percent is not None else None,
            amount=clean_amount.quantize(CENT) if clean_amount is not None else None,
            currency=congress.currency,
            category_ids=ids,
            max_uses=max_uses,
            uses=0,
            valid_from=valid_from,
            valid_until=valid_until,
            label=label,
            prefix=prefix,
            created_by_id=getattr(by, "id", None),
        )
        for code in sorted(codes)
    ]
    db.session.add_all(vouchers)
    db.session.flush()
    return vouchers


@dataclass(frozen=True)
class Quote:
    """What a voucher does to a price: the discount and the price left to pay."""

    voucher: Voucher
    fee: Decimal
    discount: Decimal

    @property
    def price(self) -> Decimal:
        return self.fee - self.discount


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"voucher": [message]})


def discount_for(voucher: Voucher, fee: Decimal) -> Decimal:
    """The amount taken off `fee` (never more than the fee; percent rounded half up)."""
    if voucher.kind == VoucherKind.FREE_PLACE:
        return fee
    if voucher.kind == VoucherKind.FIXED:
        return min(voucher.amount, fee)
    return min((fee * voucher.percent / 100).quantize(CENT, rounding=ROUND_HALF_UP), fee)


def quote_voucher(
    congress: Congress,
    code: str,
    *,
    category_id: int,
    fee: Decimal,
    now: datetime | None = None,
    valid_at: datetime | None = None,
) -> Quote:
    """Check `code` for this congress, item and moment; refuse with a `voucher` field error.

    `valid_at`: the moment the validity window is checked at (default: now), e.g. when a
    registration that waited for a place takes its use: the code was valid when it came."""
    now = now or utcnow()
    valid_at = valid_at or now
    code = normalize_code(code)
    voucher = db.session.scalar(
        select(Voucher).where(Voucher.congress_id == congress.id, Voucher.code == code)
    )
    if voucher is None:
        raise _refuse(_("This voucher code is not valid. Check it and try again."))
    if voucher.disabled_at is not None:
        raise _refuse(
            _(
                "This voucher code has been disabled by the organizers. Please contact them if "
                "you think this is a mistake."
            )
        )
    if voucher.valid_from is not None and valid_at < voucher.valid_from:
        raise _refuse(_("This voucher code is not valid yet."))
    if voucher.valid_until is not None and valid_at >= voucher.valid_until:
        raise _refuse(_("This voucher code has expired."))
    if voucher.category_ids and category_id not in voucher.category_ids:
        raise _refuse(_("This voucher code is not valid for the category you chose."))
    if voucher.uses >= voucher.max_uses:
        raise _refuse(_("This voucher code has already been used."))
    return Quote(voucher, fee, discount_for(voucher, fee))


def redeem_voucher(
    congress: Congress,
    code: str,
    *,
    category_id: int,
    fee: Decimal,
    source: str,
    source_key: str,
    now: datetime | None = None,
    valid_at: datetime | None = None,
) -> Quote:
    """Use the voucher once for a sale. The counter grows only while uses are left, in one
    conditional UPDATE: on PostgreSQL it holds the row lock until the commit, and a
    concurrent redeemer re-reads the committed count, so no voucher is used too often."""
    now = now or utcnow()
    quote = quote_voucher(
        congress, code, category_id=category_id, fee=fee, now=now, valid_at=valid_at
    )
    result = db.session.execute(
        update(Voucher)
        .where(
            Voucher.id == quote.voucher.id,
            Voucher.uses < Voucher.max_uses,
            Voucher.disabled_at.is_(None),
        )
        .values(uses=Voucher.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(quote.voucher, ["uses", "disabled_at"])
        if quote.voucher.disabled_at is not None:
            raise _refuse(_("This voucher code has been disabled by the organizers."))
        raise _refuse(_("This voucher code has already been used."))
    db.session.refresh(quote.voucher, ["uses"])
    db.session.add(
        VoucherRedemption(
            voucher=quote.voucher,
            source=source,
            source_key=source_key,
            fee=fee,
            discount=quote.discount,
            redeemed_at=now,
        )
    )
    db.session.flush()
    return quote


def release_voucher(
    congress: Congress, *, source: str, source_key: str, now: datetime | None = None
) -> VoucherRedemption | None:
    """Give back the use a cancelled sale took (if any): the code works again."""
    redemption = db.session.scalar(
        select(VoucherRedemption)
        .join(Voucher)
        .where(
            Voucher.congress_id == congress.id,
            VoucherRedemption.source == source,
            VoucherRedemption.source_key == source_key,
            VoucherRedemption.released_at.is_(None),
        )
    )
    if redemption is None:
        return None
    redemption.released_at = now or utcnow()
    db.session.execute(
        update(Voucher)
        .where(Voucher.id == redemption.voucher_id, Voucher.uses > 0)
        .values(uses=Voucher.uses - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.refresh(redemption.voucher, ["uses"])
    return redemption


def holds_use(congress: Congress, *, source: str, source_key: str) -> bool:
    """Whether this sale holds a use of a voucher (taken and not given back)."""
    return (
        db.session.scalar(
            select(VoucherRedemption.id)
            .join(Voucher)
            .where(
                Voucher.congress_id == congress.id,
                VoucherRedemption.source == source,
                VoucherRedemption.source_key == source_key,
                VoucherRedemption.released_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def get_voucher(congress: Congress, code: str) -> Voucher:
    """A voucher of this congress by its code (as typed); NotFound otherwise."""
    from conference.errors import NotFound

    voucher = db.session.scalar(
        select(Voucher).where(
            Voucher.congress_id == congress.id, Voucher.code == normalize_code(code)[:40]
        )
    )
    if voucher is None:
        raise NotFound(_("No voucher with this code."))
    return voucher


#: What `update_voucher` may change (what a code gives stays as handed out).
EDITABLE = ("max_uses", "category_ids", "valid_from", "valid_until", "label")


def update_voucher(voucher: Voucher, changes: dict) -> Voucher:
    """Change a voucher's number of uses, categories, validity window or label.

    The number of uses never goes below the uses already made: the new maximum is written by
    a conditional UPDATE (`uses <= new maximum`), so a redemption racing with the change
    either counted before it (and is checked) or finds the new maximum.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    errors = FieldErrors()
    max_uses = changes.get("max_uses", voucher.max_uses)
    if not isinstance(max_uses, int) or not 1 <= max_uses <= MAX_USES:
        errors.add(
            "max_uses", _("Enter a whole number of uses from 1 to %(MAX_USES)s.", MAX_USES=MAX_USES)
        )
    valid_from = changes.get("valid_from", voucher.valid_from)
    valid_until = changes.get("valid_until", voucher.valid_until)
    if valid_from and valid_until and valid_until <= valid_from:
        errors.add("valid_until", _("The end must be after the start."))
    label = (changes.get("label", voucher.label) or "").strip()
    if len(label) > 100:
        errors.add("label", _("At most 100 characters."))
    errors.raise_if_any()
    if "max_uses" in changes and max_uses != voucher.max_uses:
        result = db.session.execute(
            update(Voucher)
            .where(Voucher.id == voucher.id, Voucher.uses <= max_uses)
            .values(max_uses=max_uses)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(voucher, ["uses", "max_uses"])
        if result.rowcount != 1:
            message = _(
                "This code has already been used %(uses)s times: allow at least that many.",
                uses=voucher.uses,
            )
            raise ValidationFailed(message, fields={"max_uses": [message]})
    if "category_ids" in changes:
        voucher.category_ids = sorted({int(i) for i in changes["category_ids"] or []})
    voucher.valid_from = valid_from
    voucher.valid_until = valid_until
    voucher.label = label
    db.session.flush()
    return voucher


def set_voucher_disabled(voucher: Voucher, disabled: bool, now: datetime | None = None) -> Voucher:
    """Switch a code off (refused from now on; uses already made stay) or on again.

    The conditional UPDATE that takes a use also requires the code to be enabled, so a
    redemption racing with the switch either happened before it or is refused.
    """
    if disabled and voucher.disabled_at is None:
        db.session.execute(
            update(Voucher)
            .where(Voucher.id == voucher.id)
            .values(disabled_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )
    elif not disabled and voucher.disabled_at is not None:
        db.session.execute(
            update(Voucher)
            .where(Voucher.id == voucher.id)
            .values(disabled_at=None)
            .execution_options(synchronize_session=False)
        )
    db.session.refresh(voucher, ["disabled_at", "uses"])
    return voucher
