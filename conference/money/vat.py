"""VAT arithmetic and identifiers: one place for rounding, reverse charge and offline checks.

Amounts are Decimal, rounded per line to the cent with ROUND_HALF_UP; totals are sums of the
rounded lines. VAT ids, IBANs and BICs are checked offline (format and check digits) with
python-stdnum; no network service (VIES) is asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

#: Printed on an invoice under reverse charge (Article 196 of the EU VAT Directive).
#: Lazy: written in the language the invoice is issued in.
REVERSE_CHARGE_MENTION = _l(
    "Reverse charge: VAT is to be accounted for by the recipient "
    "(Article 196 of Council Directive 2006/112/EC)."
)


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal


def line_amounts(
    unit_price: Decimal,
    quantity: int,
    rate: Decimal,
    *,
    prices_include_vat: bool,
    reverse_charge: bool,
) -> LineAmounts:
    """Net, VAT and gross of one line, rounded to the cent.

    With VAT-inclusive prices the gross is fixed and the net derived from it; under reverse
    charge the buyer pays that net and no VAT (rate 0 on the invoice).
    """
    total = cents(Decimal(unit_price) * quantity)
    rate = Decimal(rate)
    if prices_include_vat:
        net = cents(total * HUNDRED / (HUNDRED + rate))
        vat = total - net
    else:
        net = total
        vat = cents(net * rate / HUNDRED)
    if reverse_charge:
        return LineAmounts(net=net, vat_rate=Decimal("0.00"), vat=Decimal("0.00"), gross=net)
    return LineAmounts(net=net, vat_rate=cents(rate), vat=vat, gross=net + vat)


def split_gross(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(net, vat) of a gross amount at a rate, rounded to the cent; they add up to gross."""
    gross = cents(gross)
    net = cents(gross * HUNDRED / (HUNDRED + Decimal(rate)))
    return net, gross - net


# -- identifiers ---------------------------------------------------------------------------


def _country_of_vat(vat_id: str) -> str:
    """ISO country of an EU VAT id (Greece writes EL, Northern Ireland XI)."""
    prefix = vat_id[:2].upper()
    return {"EL": "GR", "XI": "GB"}.get(prefix, prefix)


def is_eu_vat_id(vat_id: str) -> bool:
    return vat_id[:2].lower() in eu_vat.MEMBER_STATES or vat_id[:2].upper() == "EL"


def check_vat_id(value: str) -> tuple[str, str | None]:
    """(compact id, error message or None). An id with an EU prefix must pass its check digits."""
    compact = re.sub(r"[\s.\-/:]", "", value or "").upper()
    if not compact:
        return "", None
    if not is_eu_vat_id(compact):
        if len(compact) > 20:
            return compact, "A VAT id has at most 20 characters."
        return compact, None
    try:
        return eu_vat.validate(compact), None
    except (ValidationError, ValueError):
        return compact, (
            "This EU VAT id is not valid (check the country prefix, the format and the check "
            "digits, e.g. ATU13585627)."
        )


def vat_country(vat_id: str) -> str:
    return _country_of_vat(vat_id) if vat_id else ""


def is_reverse_charge(seller_vat_id: str, buyer_vat_id: str) -> bool:
    """A business buyer with a valid EU VAT id of another member state than the seller's."""
    if not (seller_vat_id and buyer_vat_id):
        return False
    if not (is_eu_vat_id(seller_vat_id) and is_eu_vat_id(buyer_vat_id)):
        return False
    if not eu_vat.is_valid(buyer_vat_id):
        return False
    return vat_country(buyer_vat_id) != vat_country(seller_vat_id)


def check_iban(value: str) -> tuple[str, str | None]:
    compact = stdnum_iban.compact(value or "")
    if not compact:
        return "", None
    try:
        return stdnum_iban.validate(compact), None
    except ValidationError:
        return compact, "This IBAN is not valid (check its length and check digits)."


def check_bic(value: str) -> tuple[str, str | None]:
    compact = stdnum_bic.compact(value or "")
    if not compact:
        return "", None
    try:
        return stdnum_bic.validate(compact), None
    except ValidationError:
        return compact, "This BIC is not valid (8 or 11 letters and digits, e.g. BKAUATWW)."


def format_iban(iban: str) -> str:
    return stdnum_iban.format(iban) if iban else ""
