"""Read institutions out of free-text affiliations and tell when two name the same one.

Pure functions, no database: `conference.institutions.queries.InstitutionIndex` adds the
identity (the institutions table with its aliases) on top of this normalisation.

An affiliation is one or more institutions separated by ";" or new lines; each is a list of
comma-separated parts ("Breast Surgery, Karolinska University Hospital, Stockholm"). Parts that
name a department ("Medical Oncology", "Oncology Unit", "Dept. of Surgery") are dropped; of the
rest, the parts holding an institution word ("hospital", "institute", ...) are the institution,
so a trailing city or country is not ("Stockholm"). Names are compared after normalisation:
case, accents, punctuation, articles ("the", "de", "of") and known abbreviations ("Univ.",
"Inst.", "MDACC") do not matter, and a name contained word for word in a longer one matches it
("MD Anderson Cancer Center" in "The University of Texas MD Anderson Cancer Center") unless
it is made of generic words only ("University Hospital").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: One word to its canonical spelling (abbreviations and translations of generic words).
WORD_FORMS = {
    "univ": "university",
    "uni": "university",
    "universitat": "university",
    "universite": "university",
    "universidad": "university",
    "universita": "university",
    "universiteit": "university",
    "universidade": "university",
    "inst": "institute",
    "institut": "institute",
    "institutet": "institute",
    "instituto": "institute",
    "istituto": "institute",
    "hosp": "hospital",
    "hopital": "hospital",
    "ospedale": "hospital",
    "krankenhaus": "hospital",
    "ctr": "center",
    "cntr": "center",
    "centre": "center",
    "centro": "center",
    "zentrum": "center",
    "clinica": "clinic",
    "clinique": "clinic",
    "klinik": "clinic",
    "med": "medical",
    "natl": "national",
    "nat": "national",
    "res": "research",
    "sci": "science",
    "st": "saint",
    "sta": "santa",
    "dept": "department",
    "dep": "department",
    "div": "division",
    "fac": "faculty",
}
#: Articles and linking words in the languages of our authors.
STOPWORDS = _words(
    "the of and for at in a an de del della delle degli dei di da do dos das du des la le les "
    "el los las il lo y e et und der die das fur van"
)
#: Well-known acronyms written alone as an affiliation part, with the name they stand for.
ACRONYMS = {
    "mdacc": "MD Anderson Cancer Center",
    "dfci": "Dana-Farber Cancer Institute",
    "mskcc": "Memorial Sloan Kettering Cancer Center",
    "igr": "Gustave Roussy",
    "nki": "Netherlands Cancer Institute",
    "dkfz": "Deutsches Krebsforschungszentrum",
    "cnio": "Centro Nacional de Investigaciones Oncológicas",
    "vhio": "Vall d'Hebron Institute of Oncology",
    "ieo": "Istituto Europeo di Oncologia",
    "icr": "Institute of Cancer Research",
    "mgh": "Massachusetts General Hospital",
    "ucsf": "University of California San Francisco",
    "ucla": "University of California Los Angeles",
    "nci": "National Cancer Institute",
}
#: Words that make a part a department when it starts with one or consists of these and
#: DISCIPLINE_WORDS only ("Oncology Unit", "Department of Medicine").
DEPARTMENT_WORDS = _words(
    "department division unit service section laboratory lab faculty school chair group team "
    "program programme ward"
)
#: Medical and scientific disciplines: a part made only of these is a department.
DISCIPLINE_WORDS = _words(
    "oncology medical medicine surgery surgical breast radiation radiotherapy radiology pathology "
    "hematology haematology internal clinical gynecology gynaecology gynecologic urology "
    "gastroenterology thoracic pulmonology pulmonary dermatology neurology neurosurgery pediatrics "
    "paediatrics pediatric paediatric genetics genomics molecular biology immunology translational "
    "experimental nuclear imaging diagnostic diagnostics pharmacology epidemiology biostatistics "
    "head neck hepatobiliary colorectal hematologic oncologic tumor tumour therapy therapeutics "
    "lung digestive orthopaedic orthopedic plastic reconstructive interventional anesthesiology "
    "cell cellular biochemistry bioinformatics computational precision early drug development "
    "phase trials trial cancer research science sciences health public population care "
    "palliative supportive and"
)
#: Words that mark a part as naming an institution rather than a place.
INSTITUTION_WORDS = _words(
    "university institute hospital center clinic college school foundation academy klinikum "
    "universitatsklinikum universitatsmedizin charite hospitalier chu policlinico campus society "
    "council trust nhs agency ministry inc ltd gmbh ag corporation company cancer "
    # Greek and Russian (accents removed, lower case): university, hospital, institute, centre.
    "πανεπιστημιο νοσοκομειο ινστιτουτο ιδρυμα κεντρο "
    "университет больница институт центр госпиталь академия"
)
#: In Chinese and Japanese names (no spaces between words): university, hospital, institute,
#: centre, in simplified and traditional characters.
INSTITUTION_SUFFIXES = ("大学", "大學", "医院", "醫院", "病院", "研究所", "研究院", "中心")
#: Words too common to identify an institution on their own.
GENERIC_WORDS = (
    _words(
        "university institute hospital center college school national general foundation "
        "regional academic children childrens state city central comprehensive memorial "
        "saint royal federal community county district teaching specialist hospitals "
        "universities"
    )
    | DISCIPLINE_WORDS
)


@dataclass(frozen=True)
class Part:
    """One institution named in an affiliation: the text as written and its normalised key."""

    text: str
    key: str

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.key.split())


def normalise(text: str) -> str:
    """Lower-case words without accents, articles or punctuation, abbreviations spelled out."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = plain.replace("&", " and ").replace("ß", "ss")
    words = re.findall(r"[^\W_]+", plain)
    if len(words) == 1 and words[0] in ACRONYMS:
        return normalise(ACRONYMS[words[0]])
    spelled = " ".join(WORD_FORMS.get(word, word) for word in words).split()
    return " ".join(word for word in spelled if word not in STOPWORDS)


def _is_department(key: str) -> bool:
    words = key.split()
    if not words:
        return True
    if words[0] in DEPARTMENT_WORDS:
        return True
    return all(word in DEPARTMENT_WORDS or word in DISCIPLINE_WORDS for word in words)


def _is_generic(part: Part) -> bool:
    return all(word in GENERIC_WORDS for word in part.words)


def _names_institution(part: Part) -> bool:
    return bool(set(part.words) & INSTITUTION_WORDS) or any(
        suffix in part.key for suffix in INSTITUTION_SUFFIXES
    )


@functools.lru_cache(maxsize=16384)
def affiliation_parts(affiliation: str | None) -> tuple[Part, ...]:
    """The institutions an affiliation names (see the module docstring for the rule)."""
    found: list[Part] = []
    for one in re.split(r"[;\n]+", affiliation or ""):
        parts = [Part(text.strip(), normalise(text)) for text in one.split(",")]
        parts = [part for part in parts if part.key]
        if not parts:
            continue
        named = [part for part in parts if not _is_department(part.key)]
        institutional = [part for part in named if _names_institution(part)]
        # "Cancer Center, University of Tokyo": a generic-only part names nothing by itself.
        distinctive = [part for part in institutional if not _is_generic(part)]
        chosen = distinctive or institutional or named[:1] or parts[:1]
        for part in chosen:
            if part.key not in {p.key for p in found}:
                found.append(part)
    return tuple(found)


def institution_keys(affiliation: str | None) -> frozenset[str]:
    """The normalised keys of the institutions an affiliation names."""
    return frozenset(part.key for part in affiliation_parts(affiliation))


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    size = len(shorter)
    return any(longer[i : i + size] == shorter for i in range(len(longer) - size + 1))


def names_match(a: Part, b: Part) -> bool:
    """Same normalised name, or one contained word for word in the other and distinctive."""
    if a.key == b.key:
        return True
    shorter, longer = sorted((a.words, b.words), key=len)
    if not shorter or all(word in GENERIC_WORDS for word in shorter):
        return False
    return _contains(longer, shorter)
