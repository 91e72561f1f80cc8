"""Demo institutions: real cancer centres with the spellings authors actually write."""

from __future__ import annotations

from conference.demo import DemoResult
from conference.institutions import services

#: (name, country, aliases)
INSTITUTIONS = [
    ("Hospital Clínic de Barcelona", "ES", ["Hospital Clínic", "Hospital Clinic Barcelona"]),
    ("Gustave Roussy", "FR", ["Institut Gustave Roussy", "IGR", "Gustave Roussy Cancer Campus"]),
    ("Karolinska Institutet", "SE", ["Karolinska Institute", "KI Stockholm"]),
    ("Karolinska University Hospital", "SE", ["Karolinska Universitetssjukhuset"]),
    ("Dana-Farber Cancer Institute", "US", ["DFCI", "Dana Farber"]),
    (
        "The University of Texas MD Anderson Cancer Center",
        "US",
        ["MD Anderson Cancer Center", "MDACC", "UT MD Anderson"],
    ),
    ("Memorial Sloan Kettering Cancer Center", "US", ["MSKCC", "Memorial Sloan-Kettering"]),
    ("Charité \u2013 Universitätsmedizin Berlin", "DE", ["Charité Berlin", "Charite Berlin"]),
    ("Sun Yat-sen University Cancer Center", "CN", ["中山大学肿瘤防治中心", "SYSUCC"]),
    ("Peking University Cancer Hospital", "CN", ["北京大学肿瘤医院", "Beijing Cancer Hospital"]),
    (
        "N.N. Blokhin National Medical Research Center of Oncology",
        "RU",
        [
            "N.N. Blokhin Cancer Research Center",
            "\u041d\u041c\u0418\u0426 онкологии им. \u041d.\u041d. Блохина",
        ],
    ),
    ("Institut Curie", "FR", ["Curie Institute"]),
]


def load(result: DemoResult, size: str) -> None:
    """List the demo institutions (authors and reviewers pick from them as they type)."""
    for name, country, aliases in INSTITUTIONS:
        services.create_institution(name, aliases=aliases, country=country)
