"""The text of one field of one congress object in one language."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from conference.models import Base, TimestampMixin


class ContentTranslation(TimestampMixin, Base):
    """Organizer-written text in a language other than the congress's main one."""

    __tablename__ = "content_translations"
    __table_args__ = (UniqueConstraint("congress_id", "kind", "object_id", "field", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True
    )
    #: What is translated: "congress", "track", "category", "page", "email_template"
    #: (conference.content.services.KINDS); `object_id` is its id (the congress's own id for
    #: "congress").
    kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    field: Mapped[str] = mapped_column(String(40))
    #: An interface language (conference.i18n.LANGUAGES), never the congress's main one.
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<ContentTranslation {self.kind} {self.object_id} {self.field} {self.language}>"
