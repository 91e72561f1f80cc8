"""Reads of institutions: type-ahead search and the index that resolves affiliations."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from conference.extensions import db
from conference.institutions.matching import Part, affiliation_parts, names_match, normalise
from conference.institutions.models import Institution


def get_institutions() -> list[Institution]:
    return list(db.session.scalars(select(Institution).order_by(Institution.name)))


def search_institutions(text: str, limit: int = 10) -> list[Institution]:
    """Institutions whose name or an alias contains `text` (any case, accents ignored)."""
    words = normalise(text).split()
    if not words:
        return []
    query = select(Institution).order_by(Institution.name).limit(limit)
    for word in words:
        query = query.where(Institution.search_text.contains(word, autoescape=True))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class InstitutionMatch:
    """Why two affiliations were judged to name the same institution."""

    #: "identity": both resolve to the same institution; "name": their names match.
    how: str
    left: Part
    right: Part
    institution: str

    def explain(self) -> str:
        if self.how == "identity":
            return (
                f"both name {self.institution} (as “{self.left.text}” and “{self.right.text}”), "
                "one institution in the institutions list"
            )
        return (
            f"both name the same institution: “{self.left.text}” and “{self.right.text}” "
            "match once departments, places, accents, articles and abbreviations are set aside"
        )


class InstitutionIndex:
    """Every known spelling of every institution, to resolve affiliation parts to identities.

    Identity first: two parts that resolve to the same institution (its name or any alias, as
    organizers merged them) match however differently they are spelled; otherwise the parts are
    compared by name (`names_match`), so a duplicate not merged yet still counts: for conflicts
    of interest a missed match is worse than an extra one.
    """

    def __init__(self, institutions: list[Institution]):
        self._by_key: dict[str, tuple[int, str]] = {}
        for institution in institutions:
            for key in institution.keys:
                self._by_key.setdefault(key, (institution.id, institution.name))

    @classmethod
    def load(cls) -> InstitutionIndex:
        return cls(list(db.session.scalars(select(Institution))))

    def resolve(self, part: Part) -> tuple[int, str] | None:
        return self._by_key.get(part.key)

    def match(self, left: str | None, right: str | None) -> InstitutionMatch | None:
        """How affiliations `left` and `right` share an institution, or None."""
        for a in affiliation_parts(left):
            known_a = self.resolve(a)
            for b in affiliation_parts(right):
                known_b = self.resolve(b)
                if known_a and known_b and known_a[0] == known_b[0]:
                    return InstitutionMatch("identity", a, b, known_a[1])
                if names_match(a, b):
                    return InstitutionMatch("name", a, b, (known_a or known_b or (0, a.text))[1])
        return None
