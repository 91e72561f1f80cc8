"""Institution matching on real-world affiliation strings (pure normalisation, no database)."""

import pytest

from conference.institutions.matching import affiliation_parts, institution_keys, names_match
from conference.institutions.queries import InstitutionIndex


def same_institution(a: str, b: str) -> bool:
    return InstitutionIndex([]).match(a, b) is not None


@pytest.mark.parametrize(
    "a, b",
    [
        ("Medical Oncology, Dana-Farber Cancer Institute", "Dana-Farber Cancer Institute"),
        ("Oncology Unit, Hospital Clínic", "Hospital Clinic de Barcelona"),
        (
            "Breast Surgery, Karolinska University Hospital",
            "Karolinska University Hospital, Stockholm",
        ),
        ("MD Anderson Cancer Center", "The University of Texas MD Anderson Cancer Center"),
        ("Institut Gustave Roussy", "Gustave Roussy"),
        ("Dept. of Oncology, Karolinska Institutet, Stockholm", "Karolinska Institutet"),
        ("Charité \u2013 Universitätsmedizin Berlin", "charite universitatsmedizin berlin"),
        ("Univ. of Milan", "University of Milan"),
        ("Institut Curie; Hôpital Saint-Louis", "Hopital Saint Louis"),
        ("Centre Léon Bérard", "Center Leon Berard"),
        ("Department of Thoracic Oncology, MDACC", "MD Anderson Cancer Center, Houston, TX"),
        ("Servicio de Oncología Médica, Vall d'Hebron Institute of Oncology", "VHIO"),
        (
            "Εθνικό και Καποδιστριακό Πανεπιστήμιο Αθηνών",
            "Α' Παθολογική Κλινική, ΕΘΝΙΚΟ ΚΑΙ ΚΑΠΟΔΙΣΤΡΙΑΚΟ ΠΑΝΕΠΙΣΤΗΜΙΟ ΑΘΗΝΩΝ",  # noqa: RUF001
        ),
        (
            "Московский научно-исследовательский онкологический институт имени П. А. Герцена",  # noqa: RUF001
            "московский научно-исследовательский онкологический институт имени П.А. Герцена",  # noqa: RUF001
        ),
    ],
)
def test_affiliations_naming_the_same_institution_match(a, b):
    assert same_institution(a, b), (affiliation_parts(a), affiliation_parts(b))
    assert same_institution(b, a)


@pytest.mark.parametrize(
    "a, b",
    [
        ("Medical Oncology, Dana-Farber Cancer Institute", "Medical Oncology, Gustave Roussy"),
        ("Karolinska Institutet", "Uppsala University"),
        (
            "Department of Oncology, School of Medicine, Stanford University",
            "School of Medicine, Yale University",
        ),
        ("University Hospital", "Karolinska University Hospital"),
        (
            "Breast Surgery, Karolinska University Hospital, Stockholm",
            "Breast Surgery, Stockholm South General Hospital, Stockholm",
        ),
        ("Institut Curie, Paris", "Institut Pasteur, Paris"),
        ("Cancer Center, University of Tokyo", "Cancer Center, Kyoto University"),
        ("北京大学肿瘤医院", "复旦大学附属肿瘤医院"),
    ],
)
def test_shared_departments_cities_and_generic_words_do_not_match(a, b):
    assert not same_institution(a, b), (affiliation_parts(a), affiliation_parts(b))


def test_departments_and_places_are_not_taken_for_the_institution():
    assert institution_keys("Oncology Unit, Hospital Clínic, Barcelona, Spain") == {
        "hospital clinic"
    }
    assert institution_keys("Medical Oncology, Gustave Roussy, Villejuif") == {"gustave roussy"}
    assert institution_keys("Dana-Farber Cancer Institute, Harvard Medical School, Boston") == {
        "dana farber cancer institute",
        "harvard medical school",
    }


def test_a_name_inside_a_longer_one_matches_only_when_it_is_distinctive():
    (clinic,) = affiliation_parts("Hospital Clínic")
    (barcelona,) = affiliation_parts("Hospital Clínic de Barcelona")
    (generic,) = affiliation_parts("University Hospital")
    (karolinska,) = affiliation_parts("Karolinska University Hospital")
    assert names_match(clinic, barcelona)
    assert not names_match(generic, karolinska)
