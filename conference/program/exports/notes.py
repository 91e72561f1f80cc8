"""What every export says about a session's accreditation besides its credits: industry
satellites are not accredited, and an accredited session carries its disclosure line.

The industry domain already names approved satellites "… (not accredited — organized by
<company>)" in their title (conference.industry.satellites.satellite_label); a satellite whose
title says so gets no second label, one entered directly in the program editor gets this one.
The disclosure line comes from the CME domain (conference.cme.queries.
get_program_disclosure_lines, attached to the program as `disclosure_lines` before building):
the exports themselves read no table.
"""

from __future__ import annotations

#: The exports are in English, like their other fixed words ("Chairs:", "Board").
NOT_ACCREDITED = "Industry satellite symposium: not accredited, organized by its sponsor."


def needs_not_accredited_label(s: dict) -> bool:
    """An industry satellite whose title does not already say it is not accredited."""
    return (
        s.get("format") == "industry_satellite"
        and "not accredited" not in (s.get("title") or "").casefold()
    )


def session_notes(program, s: dict, disclosures: dict | None = None) -> list[str]:
    """The accreditation lines of a session: "not accredited", or its disclosure line."""
    notes = []
    if needs_not_accredited_label(s):
        notes.append(NOT_ACCREDITED)
    lines = disclosures if disclosures is not None else getattr(program, "disclosure_lines", {})
    if lines.get(s["id"]):
        notes.append(lines[s["id"]])
    return notes
