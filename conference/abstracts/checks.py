"""Content checks of an abstract: trial registration identifiers and patient identifiers."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from conference.abstracts.counting import WHITESPACE_CLASS

_SPACE = re.compile(f"[{WHITESPACE_CLASS}]+")

#: Registry formats (DOMAIN.md); identifiers are compared stripped of whitespace, upper-cased.
#: Digits are ASCII only ([0-9], never \d, which also takes Arabic-Indic, Devanagari or
#: full-width digits); EudraCT numbers exist from 2004, EU CT (CTIS) numbers from 2022.
TRIAL_ID_FORMATS = (
    ("ClinicalTrials.gov", re.compile(r"NCT[0-9]{8}")),
    ("EudraCT", re.compile(r"20(0[4-9]|[1-9][0-9])-[0-9]{6}-[0-9]{2}")),
    ("ISRCTN", re.compile(r"ISRCTN[0-9]{8}")),
    ("EU CT (CTIS)", re.compile(r"20(2[2-9]|[3-9][0-9])-5[0-9]{5}-[0-9]{2}-[0-9]{2}")),
    ("ANZCTR", re.compile(r"ACTRN[0-9]{14}")),
)
TRIAL_ID_HELP = _l(
    "Use a registry identifier written with the digits 0-9: NCT followed by 8 digits, EudraCT "
    "YYYY-NNNNNN-CC (from 2004), ISRCTN followed by 8 digits, EU CT YYYY-5NNNNN-NN-NN or ACTRN "
    "followed by 14 digits."
)


def normalize_trial_id(value: str | None) -> str:
    """Whitespace removed, ASCII letters upper-cased (other letters are kept, so they never
    match: upper-casing a Turkish dotless i would otherwise give an I)."""
    compact = _SPACE.sub("", value or "")
    return re.sub(r"[a-z]+", lambda match: match.group().upper(), compact)


def trial_registry(identifier: str) -> str | None:
    """The registry a normalised identifier belongs to, or None when it matches none."""
    for registry, pattern in TRIAL_ID_FORMATS:
        if pattern.fullmatch(identifier):
            return registry
    return None


_PATIENT_PATTERNS = (
    (
        re.compile(r"\b(date of birth|d\.?o\.?b\.?|born on)\b", re.IGNORECASE),
        _l(
            "The text may contain a date of birth."
            " Abstracts must not hold identifiable patient data: please remove it."
        ),
    ),
    (
        re.compile(
            r"\b(MRN|medical record|record (no|number|#)|hospital number|patient (id|no|#))\b",
            re.IGNORECASE,
        ),
        _l(
            "The text may contain a medical record number."
            " Abstracts must not hold identifiable patient data: please remove it."
        ),
    ),
    (
        re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-](19|20)\d{2}\b"),
        _l(
            "The text may contain a full date (a birth date?)."
            " Abstracts must not hold identifiable patient data: please remove it."
        ),
    ),
    (
        re.compile(
            r"\b(Mr|Mrs|Ms|Miss)\.? [A-Z][a-z]+|\b[A-Z][a-z]+ [A-Z][a-z]+, (aged? )?\d{1,3}\b"
            r"|\b[A-Z][a-z]+ [A-Z][a-z]+ \(\d{1,3}\s?(y|yrs|years)?\)|"
            r"\b[A-Z][a-z]+,? (a|an) \d{1,3}[- ]year[- ]old\b"
        ),
        _l(
            "The text may contain a patient's name with an age."
            " Abstracts must not hold identifiable patient data: please remove it."
        ),
    ),
)


def patient_identifier_warnings(texts: list[str]) -> list[str]:
    """Warnings (not refusals) when the text looks like it holds identifiable patient data."""
    joined = "\n".join(text for text in texts if text)
    return [str(warning) for pattern, warning in _PATIENT_PATTERNS if pattern.search(joined)]
