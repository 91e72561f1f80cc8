"""Industry rules: packages (never oversold), sponsors and their contacts, logos, benefits,
contracts and the sponsor's invoice (issued by the money domain).

Booths, exhibitor passes and leads are in exhibition.py and leads.py. Services flush, never
commit.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from conference import storage
from conference.accounts.services import get_user_by_email
from conference.countries import check_country
from conference.errors import Conflict, FieldErrors, NotFound
from conference.extensions import db
from conference.industry.models import (
    IndustrySettings,
    Sponsor,
    SponsorBenefit,
    SponsorContact,
    SponsorshipPackage,
)
from conference.models import utcnow
from conference.money import services as money
from conference.program.models import Congress

MAX_PRICE = Decimal("99999999.99")
MAX_COUNT = 10_000
MAX_BENEFITS = 40
MAX_LOGO_BYTES = 2 * 1024 * 1024
#: The money domain's `source` of sponsorship invoices (key: the sponsor's id).
INVOICE_SOURCE = "industry"
WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
#: Images accepted for logos and floor plans, recognised by their first bytes.
IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


# -- packages ---------------------------------------------------------------------------------


def _count(value, field: str, errors: FieldErrors, *, minimum: int = 0) -> int | None:
    if isinstance(value, bool) or value is None or value == "":
        errors.add(field, _("Enter a whole number."))
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, _("Enter a whole number."))
        return None
    if not minimum <= number <= MAX_COUNT:
        errors.add(
            field,
            _("Enter a whole number from %(low)d to %(high)d.", low=minimum, high=MAX_COUNT),
        )
        return None
    return number


def _price(value, errors: FieldErrors) -> Decimal | None:
    try:
        price = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add("price", _("Enter an amount such as 25000 or 25000.00."))
        return None
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        errors.add("price", _("Enter an amount from 0 to 99,999,999.99."))
        return None
    if price != price.quantize(Decimal("0.01")):
        errors.add("price", _("Use at most two decimals."))
        return None
    return price


def _benefit_lines(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    return [str(line).strip()[:200] for line in (value or []) if str(line).strip()]


def _check_package(congress: Congress, data: dict, package=None) -> dict:
    errors = FieldErrors()
    clean = {}
    if "name" in data or package is None:
        name = (data.get("name") or "").strip()
        if not name:
            errors.add("name", _("Enter the package's name."))
        elif len(name) > 80:
            errors.add("name", _("At most %(count)d characters.", count=80))
        clean["name"] = name
    if "price" in data or package is None:
        clean["price"] = _price(data.get("price"), errors)
    if "available" in data or package is None:
        clean["available"] = _count(data.get("available"), "available", errors)
        if (
            package is not None
            and clean["available"] is not None
            and clean["available"] < package.sold
        ):
            errors.add(
                "available",
                _("%(sold)d already sold: enter at least that many.", sold=package.sold),
            )
    if "exhibitor_passes" in data:
        clean["exhibitor_passes"] = _count(data.get("exhibitor_passes"), "exhibitor_passes", errors)
    if "booth_size" in data:
        clean["booth_size"] = (data.get("booth_size") or "").strip()
        if len(clean["booth_size"]) > 40:
            errors.add("booth_size", _("At most %(count)d characters.", count=40))
    if "benefits" in data:
        clean["benefits"] = _benefit_lines(data.get("benefits"))
        if len(clean["benefits"]) > MAX_BENEFITS:
            errors.add("benefits", _("At most %(count)d benefits.", count=MAX_BENEFITS))
    if "position" in data:
        clean["position"] = _count(data.get("position"), "position", errors)
    errors.raise_if_any()
    if "name" in clean:
        clash = db.session.scalar(
            select(SponsorshipPackage.id).where(
                SponsorshipPackage.congress_id == congress.id,
                func.lower(SponsorshipPackage.name) == clean["name"].lower(),
                SponsorshipPackage.id != (package.id if package else -1),
            )
        )
        if clash:
            message = _("Another package already has this name.")
            raise Conflict(message, code="duplicate", fields={"name": [message]})
    return clean


def create_package(congress: Congress, **data) -> SponsorshipPackage:
    """A package organizers sell: name, price, how many, passes, booth, benefits."""
    clean = _check_package(congress, data)
    if "position" not in clean:
        clean["position"] = (
            db.session.scalar(
                select(func.max(SponsorshipPackage.position)).where(
                    SponsorshipPackage.congress_id == congress.id
                )
            )
            or 0
        ) + 1
    package = SponsorshipPackage(congress_id=congress.id, **clean)
    db.session.add(package)
    db.session.flush()
    return package


def update_package(package: SponsorshipPackage, **data) -> SponsorshipPackage:
    clean = _check_package(package.congress, data, package)
    if "available" in clean:
        # Conditional, like a sign-up: a sale committed meanwhile is never undercut.
        result = db.session.execute(
            update(SponsorshipPackage)
            .where(
                SponsorshipPackage.id == package.id,
                SponsorshipPackage.sold <= clean["available"],
            )
            .values(available=clean["available"])
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            message = _("More were sold meanwhile: enter a larger number.")
            raise Conflict(message, code="sold", fields={"available": [message]})
        db.session.refresh(package)
        del clean["available"]
    for field, value in clean.items():
        setattr(package, field, value)
    db.session.flush()
    return package


def _take_package(package: SponsorshipPackage) -> None:
    """Sell one of the package: one conditional UPDATE of its row, so concurrent sign-ups
    never sell more than `available` (PostgreSQL re-checks the condition after the wait)."""
    result = db.session.execute(
        update(SponsorshipPackage)
        .where(
            SponsorshipPackage.id == package.id,
            SponsorshipPackage.sold < SponsorshipPackage.available,
        )
        .values(sold=SponsorshipPackage.sold + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        message = _("The package %(name)s is sold out.", name=package.name)
        raise Conflict(message, code="sold_out", fields={"package": [message]})


def _give_back_package(package_id: int) -> None:
    db.session.execute(
        update(SponsorshipPackage)
        .where(SponsorshipPackage.id == package_id, SponsorshipPackage.sold > 0)
        .values(sold=SponsorshipPackage.sold - 1)
        .execution_options(synchronize_session=False)
    )


# -- sponsors ---------------------------------------------------------------------------------

PROFILE_LIMITS = {
    "name": 200,
    "description": 5000,
    "website": 300,
    "contact_email": 254,
    "contact_phone": 40,
    "legal_name": 200,
    "address": 1000,
}
#: What a sponsor's own contact people may change (organizers change everything).
CONTACT_FIELDS = ("description", "website", "contact_email", "contact_phone")


def _check_profile(congress: Congress, data: dict, sponsor=None) -> dict:
    errors = FieldErrors()
    clean = {}
    for field, limit in PROFILE_LIMITS.items():
        if field in data or (sponsor is None and field == "name"):
            value = (data.get(field) or "").strip()
            if len(value) > limit:
                errors.add(field, _("At most %(count)d characters.", count=limit))
            clean[field] = value
    if "name" in clean and not clean["name"]:
        errors.add("name", _("Enter the company's name."))
    if clean.get("website") and not WEBSITE.match(clean["website"]):
        errors.add("website", _("Enter an address starting with https://"))
    if clean.get("contact_email") and "@" not in clean["contact_email"]:
        errors.add("contact_email", _("Enter an email address such as name@company.com."))
    if "country" in data:
        country = (data.get("country") or "").strip().upper()
        if country and (problem := check_country(country)):
            errors.add("country", problem)
        clean["country"] = country
    if "vat_id" in data:
        clean["vat_id"] = re.sub(r"\s", "", data.get("vat_id") or "").upper()
        if len(clean["vat_id"]) > 20:
            errors.add("vat_id", _("At most %(count)d characters.", count=20))
    errors.raise_if_any()
    if "name" in clean:
        clash = db.session.scalar(
            select(Sponsor.id).where(
                Sponsor.congress_id == congress.id,
                func.lower(Sponsor.name) == clean["name"].lower(),
                Sponsor.id != (sponsor.id if sponsor else -1),
            )
        )
        if clash:
            message = _("This company is already a sponsor.")
            raise Conflict(message, code="duplicate", fields={"name": [message]})
    return clean


def sign_up_sponsor(
    congress: Congress, package: SponsorshipPackage, *, now: datetime | None = None, **data
) -> Sponsor:
    """Sign a company up to a package: one of the package is sold, the benefits checklist is
    made from the package, and its invoice is issued when the congress invoices."""
    if package is None or package.congress_id != congress.id:
        message = _("Choose a package from the list.")
        raise NotFound(message, fields={"package": [message]})
    clean = _check_profile(congress, data)
    _take_package(package)
    sponsor = Sponsor(
        congress_id=congress.id,
        package_id=package.id,
        signed_up_at=now or utcnow(),
        benefits=[
            SponsorBenefit(name=name, position=index)
            for index, name in enumerate(package.benefits or [])
        ],
        **clean,
    )
    db.session.add(sponsor)
    db.session.flush()
    db.session.refresh(package)
    if money.invoicing_enabled(congress) and package.price > 0:
        issue_sponsor_invoice(sponsor)
    return sponsor


def update_sponsor(sponsor: Sponsor, *, by_contact: bool = False, **data) -> Sponsor:
    """Change a sponsor's profile; its contact people change only the public part."""
    if by_contact:
        data = {key: value for key, value in data.items() if key in CONTACT_FIELDS}
    clean = _check_profile(sponsor.congress, data, sponsor)
    for field, value in clean.items():
        setattr(sponsor, field, value)
    db.session.flush()
    return sponsor


def change_package(sponsor: Sponsor, package: SponsorshipPackage) -> Sponsor:
    """Move a sponsor to another package (before its invoice is issued)."""
    if package.congress_id != sponsor.congress_id:
        raise NotFound(_("Choose a package from the list."))
    if package.id == sponsor.package_id:
        return sponsor
    if sponsor.invoice_number:
        message = _("The invoice is issued: credit it before changing the package.")
        raise Conflict(message, code="invoiced", fields={"package": [message]})
    _take_package(package)
    _give_back_package(sponsor.package_id)
    sponsor.package_id = package.id
    db.session.flush()
    db.session.expire(sponsor, ["package"])
    return sponsor


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PNG or JPEG image; None for anything else."""
    for magic, content_type, extension in IMAGE_SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    return None


def _store_image(namespace: str, data: bytes, field: str) -> tuple[str, str]:
    if not data:
        message = _("The file is empty.")
        raise Conflict(message, code="invalid_file", fields={field: [message]})
    if len(data) > MAX_LOGO_BYTES:
        message = _("The file is larger than 2 MB.")
        raise Conflict(message, code="invalid_file", fields={field: [message]})
    sniffed = sniff_image(data)
    if sniffed is None:
        message = _("Upload a PNG or JPEG image.")
        raise Conflict(message, code="invalid_file", fields={field: [message]})
    content_type, extension = sniffed
    key = storage.new_key(namespace, extension)
    storage.put(key, data, content_type)
    storage.delete_after_rollback(key)
    return key, content_type


def set_logo(sponsor: Sponsor, data: bytes) -> Sponsor:
    """Store a new logo (PNG or JPEG); the old one goes once the change commits."""
    key, content_type = _store_image("sponsor-logos", data, "logo")
    if sponsor.logo_key:
        storage.delete_after_commit(sponsor.logo_key)
    sponsor.logo_key, sponsor.logo_content_type = key, content_type
    db.session.flush()
    return sponsor


def add_contact(sponsor: Sponsor, email: str) -> SponsorContact:
    """Give a person with an account the management of this sponsor."""
    user = get_user_by_email((email or "").strip())
    if user is None:
        message = _("No account uses this email address: ask the person to sign up first.")
        raise Conflict(message, code="no_account", fields={"email": [message]})
    if any(contact.user_id == user.id for contact in sponsor.contacts):
        message = _("This person already manages this sponsor.")
        raise Conflict(message, code="duplicate", fields={"email": [message]})
    contact = SponsorContact(sponsor=sponsor, user_id=user.id)
    db.session.add(contact)
    db.session.flush()
    return contact


def remove_contact(sponsor: Sponsor, contact_id: int) -> None:
    for contact in sponsor.contacts:
        if contact.id == contact_id:
            sponsor.contacts.remove(contact)
            db.session.flush()
            return
    raise NotFound(_("This person does not manage this sponsor."))


def set_benefit_delivered(benefit: SponsorBenefit, delivered: bool, *, by=None) -> SponsorBenefit:
    """Tick (or untick) a line of the benefits checklist."""
    if delivered and benefit.delivered_at is None:
        benefit.delivered_at = utcnow()
        benefit.delivered_by_id = by.id if by is not None else None
    elif not delivered:
        benefit.delivered_at = None
        benefit.delivered_by_id = None
    db.session.flush()
    return benefit


# -- invoice and contract ---------------------------------------------------------------------


def issue_sponsor_invoice(sponsor: Sponsor):
    """The sponsor's invoice for its package, issued by the money domain (once)."""
    package = sponsor.package
    errors = FieldErrors()
    if not (sponsor.legal_name or sponsor.name):
        errors.add("legal_name", _("Enter the company's legal name."))
    if not sponsor.country:
        errors.add("country", _("Choose the company's country."))
    errors.raise_if_any(_("The invoice needs the company's legal name, address and country."))
    invoice = money.invoice_order(
        sponsor.congress,
        money.Buyer(
            name=sponsor.legal_name or sponsor.name,
            address=sponsor.address,
            country=sponsor.country,
            vat_id=sponsor.vat_id,
            email=sponsor.contact_email,
        ),
        [
            money.LineIn(
                "sponsorship",
                _("Sponsorship package: %(name)s", name=package.name),
                package.price,
            )
        ],
        source=INVOICE_SOURCE,
        source_key=str(sponsor.id),
    )
    if invoice is not None:
        sponsor.invoice_number = invoice.number
        db.session.flush()
    return invoice


def get_settings(congress: Congress) -> IndustrySettings:
    settings = db.session.scalar(
        select(IndustrySettings).where(IndustrySettings.congress_id == congress.id)
    )
    if settings is None:
        settings = IndustrySettings(congress_id=congress.id, contract_template="")
        db.session.add(settings)
        db.session.flush()
    return settings


#: Placeholders of the contract template, with what they stand for.
CONTRACT_PLACEHOLDERS = (
    "congress",
    "sponsor",
    "legal_name",
    "address",
    "package",
    "price",
    "benefits",
    "date",
)
MAX_TEMPLATE = 20_000


def update_contract_template(congress: Congress, text: str) -> IndustrySettings:
    text = (text or "").replace("\r\n", "\n").strip()
    errors = FieldErrors()
    if len(text) > MAX_TEMPLATE:
        errors.add("contract_template", _("At most %(count)d characters.", count=MAX_TEMPLATE))
    unknown = sorted(set(re.findall(r"\{(\w+)\}", text)) - set(CONTRACT_PLACEHOLDERS))
    if unknown:
        errors.add(
            "contract_template",
            _("Unknown placeholders: %(names)s.", names=", ".join("{" + n + "}" for n in unknown)),
        )
    errors.raise_if_any()
    settings = get_settings(congress)
    settings.contract_template = text
    db.session.flush()
    return settings


def set_floor_plan(congress: Congress, data: bytes) -> IndustrySettings:
    """Store the exhibition's floor plan image; booths are placed on it in per cent."""
    key, content_type = _store_image("floor-plans", data, "floor_plan")
    settings = get_settings(congress)
    if settings.floor_plan_key:
        storage.delete_after_commit(settings.floor_plan_key)
    settings.floor_plan_key, settings.floor_plan_content_type = key, content_type
    db.session.flush()
    return settings


def copy_setup(source: Congress, target: Congress, shift) -> None:
    """Copying a congress: the sponsorship packages (none sold) and the contract template; no
    sponsors, booths, passes, satellites or leads, and no floor plan (a new venue plan is
    uploaded for the new congress)."""
    from conference.models import clone_row

    settings = db.session.scalar(
        select(IndustrySettings).where(IndustrySettings.congress_id == source.id)
    )
    if settings is not None:
        db.session.add(
            clone_row(
                settings, congress_id=target.id, floor_plan_key=None, floor_plan_content_type=""
            )
        )
    packages = db.session.scalars(
        select(SponsorshipPackage).where(SponsorshipPackage.congress_id == source.id)
    )
    for package in packages:
        db.session.add(clone_row(package, congress_id=target.id, sold=0))
    db.session.flush()
