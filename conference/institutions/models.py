"""The institutions people are affiliated with: a name, its aliases, a country, a ROR id."""

from __future__ import annotations

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from conference.institutions.matching import normalise
from conference.models import Base, TimestampMixin


class Institution(TimestampMixin, Base):
    """One institution; every spelling of it is its name or one of its aliases."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: normalise(name): two institutions cannot have names that differ only in spelling.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    #: Other spellings, translations and acronyms ("Hospital Clínic", "北京大学肿瘤医院").
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2), default="")
    #: The normalised name and aliases, joined by "|": what the type-ahead searches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: Research Organization Registry id, e.g. "02jzgtq86" (https://ror.org/02jzgtq86).
    ror_id: Mapped[str | None] = mapped_column(String(9), unique=True)

    @property
    def spellings(self) -> list[str]:
        return [self.name, *(self.aliases or [])]

    @property
    def keys(self) -> set[str]:
        return {normalise(text) for text in self.spellings} - {""}

    @property
    def ror_url(self) -> str | None:
        return f"https://ror.org/{self.ror_id}" if self.ror_id else None

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.name}>"
