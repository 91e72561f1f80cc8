"""Reads of professional categories."""

from __future__ import annotations

from sqlalchemy import select

from conference.extensions import db
from conference.program.models import Congress
from conference.registration.models import ProfessionalCategory


def get_categories(congress: Congress, *, active_only: bool = False) -> list[ProfessionalCategory]:
    query = select(ProfessionalCategory).where(ProfessionalCategory.congress_id == congress.id)
    if active_only:
        query = query.where(ProfessionalCategory.is_active.is_(True))
    return list(
        db.session.scalars(query.order_by(ProfessionalCategory.position, ProfessionalCategory.id))
    )


def get_category_by_slug(congress: Congress, slug: str) -> ProfessionalCategory | None:
    return db.session.scalar(
        select(ProfessionalCategory).where(
            ProfessionalCategory.congress_id == congress.id, ProfessionalCategory.slug == slug
        )
    )
