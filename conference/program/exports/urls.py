"""Absolute public URLs of sessions, presentations and speakers (for exports and the API)."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


class PublicUrls:
    """Build public URLs with one url_for call per kind instead of one per object."""

    def __init__(self, external: bool = True):
        if not has_request_context():
            with current_app.test_request_context():
                self.__init__(external)
            return
        base = current_app.config.get("BASE_URL", "").rstrip("/") if external else ""
        self.base = base
        self._session = base + url_for("program.public_session", session_id=0)[:-1]
        self._speaker = base + url_for("program.public_speaker", speaker_id=0)[:-1]
        self.program = base + url_for("program.public_program")

    def session(self, session_id: int) -> str:
        return f"{self._session}{session_id}"

    def presentation(self, session_id: int, presentation_id: int) -> str:
        return f"{self._session}{session_id}#p{presentation_id}"

    def speaker(self, speaker_id: int) -> str:
        return f"{self._speaker}{speaker_id}"
