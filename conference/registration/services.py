"""Writes to professional categories (registrations, fees and payments build on these)."""

from __future__ import annotations

from sqlalchemy import func, select

from conference.errors import Conflict, FieldErrors
from conference.extensions import db
from conference.program.models import Congress
from conference.registration.models import ProfessionalCategory
from conference.slugs import is_slug, slugify


def _check_category(congress: Congress, data: dict, category=None) -> None:
    errors = FieldErrors()
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            errors.add("name", "Enter the category's name.")
        elif len(data["name"]) > 120:
            errors.add("name", "At most 120 characters.")
    if "slug" in data:
        data["slug"] = (data["slug"] or "").strip().lower()
        if not is_slug(data["slug"]):
            errors.add("slug", "Use lower-case letters, digits and hyphens only.")
    errors.raise_if_any()
    for field in ("slug", "name"):
        if field in data:
            clash = db.session.scalar(
                select(ProfessionalCategory.id).where(
                    ProfessionalCategory.congress_id == congress.id,
                    func.lower(getattr(ProfessionalCategory, field)) == data[field].lower(),
                    ProfessionalCategory.id != (category.id if category else -1),
                )
            )
            if clash:
                raise Conflict(
                    f"Another category already has this {field}.",
                    code="duplicate",
                    fields={field: [f"Another category already has this {field}."]},
                )


def create_category(congress: Congress, **data) -> ProfessionalCategory:
    if not data.get("slug") and data.get("name"):
        data["slug"] = slugify(data["name"])
    data.setdefault("name", "")
    data.setdefault("slug", "")
    _check_category(congress, data)
    if "position" not in data:
        data["position"] = (
            db.session.scalar(
                select(func.max(ProfessionalCategory.position)).where(
                    ProfessionalCategory.congress_id == congress.id
                )
            )
            or 0
        ) + 1
    category = ProfessionalCategory(congress=congress, **data)
    db.session.add(category)
    db.session.flush()
    return category


def update_category(category: ProfessionalCategory, **data) -> ProfessionalCategory:
    _check_category(category.congress, data, category)
    for field, value in data.items():
        setattr(category, field, value)
    db.session.flush()
    return category
