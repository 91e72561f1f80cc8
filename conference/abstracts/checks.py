"""Content checks of an abstract: trial registration identifiers and patient identifiers."""

from __future__ import annotations

import re

#: Registry formats (DOMAIN.md); identifiers are compared stripped of whitespace, upper-cased.
TRIAL_ID_FORMATS = (
    ("ClinicalTrials.gov", re.compile(r"NCT\d{8}")),
    ("EudraCT", re.compile(r"(19|20)\d{2}-\d{6}-\d{2}")),
    ("ISRCTN", re.compile(r"ISRCTN\d{8}")),
    ("EU CT (CTIS)", re.compile(r"(19|20)\d{2}-5\d{5}-\d{2}-\d{2}")),
    ("ANZCTR", re.compile(r"ACTRN\d{14}")),
)
TRIAL_ID_HELP = (
    "Use a registry identifier: NCT followed by 8 digits, EudraCT YYYY-NNNNNN-CC, ISRCTN "
    "followed by 8 digits, EU CT YYYY-5NNNNN-NN-NN or ACTRN followed by 14 digits."
)


def normalize_trial_id(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def trial_registry(identifier: str) -> str | None:
    """The registry a normalised identifier belongs to, or None when it matches none."""
    for registry, pattern in TRIAL_ID_FORMATS:
        if pattern.fullmatch(identifier):
            return registry
    return None


_PATIENT_PATTERNS = (
    (
        re.compile(r"\b(date of birth|d\.?o\.?b\.?|born on)\b", re.IGNORECASE),
        "a date of birth",
    ),
    (
        re.compile(
            r"\b(MRN|medical record|record (no|number|#)|hospital number|patient (id|no|#))\b",
            re.IGNORECASE,
        ),
        "a medical record number",
    ),
    (re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-](19|20)\d{2}\b"), "a full date (a birth date?)"),
    (
        re.compile(
            r"\b(Mr|Mrs|Ms|Miss)\.? [A-Z][a-z]+|\b[A-Z][a-z]+ [A-Z][a-z]+, (aged? )?\d{1,3}\b"
            r"|\b[A-Z][a-z]+ [A-Z][a-z]+ \(\d{1,3}\s?(y|yrs|years)?\)|"
            r"\b[A-Z][a-z]+,? (a|an) \d{1,3}[- ]year[- ]old\b"
        ),
        "a patient's name with an age",
    ),
)


def patient_identifier_warnings(texts: list[str]) -> list[str]:
    """Warnings (not refusals) when the text looks like it holds identifiable patient data."""
    joined = "\n".join(text for text in texts if text)
    found = [label for pattern, label in _PATIENT_PATTERNS if pattern.search(joined)]
    return [
        f"The text may contain {label}. Abstracts must not hold identifiable patient data: "
        "please remove it."
        for label in found
    ]
