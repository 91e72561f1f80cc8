"""Institutions with an identity: aliases, merges, created on the fly, and type-ahead."""

import pytest

from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.institutions import services
from conference.institutions.models import Institution
from conference.institutions.queries import InstitutionIndex, search_institutions


def names():
    return sorted(db.session.scalars(db.select(Institution.name)))


def test_identity_matches_spellings_no_normalisation_could(app):
    """A Chinese author and a reviewer writing the English name: the same hospital by alias."""
    author = "北京大学肿瘤医院"
    reviewer = "Department of Thoracic Surgery, Peking University Cancer Hospital, Beijing"
    assert InstitutionIndex.load().match(reviewer, author) is None
    services.create_institution(
        "Peking University Cancer Hospital",
        aliases=["北京大学肿瘤医院", "Beijing Cancer Hospital"],
        country="CN",
    )
    match = InstitutionIndex.load().match(reviewer, author)
    assert match is not None and match.how == "identity"
    assert match.institution == "Peking University Cancer Hospital"
    assert "北京大学肿瘤医院" in match.explain()


def test_merging_duplicates_makes_their_spellings_one_institution(app):
    igr = services.create_institution("Gustave Roussy", country="FR", ror_id="0321g0743")
    duplicate = services.create_institution("IGR Villejuif Cancer Campus", country="FR")
    other = services.create_institution("Institut Curie", country="FR")
    left, right = "Medical Oncology, IGR Villejuif Cancer Campus", "Gustave Roussy, Villejuif"
    assert InstitutionIndex.load().match(left, right) is None
    services.merge_institutions(igr, [duplicate])
    db.session.commit()
    assert names() == ["Gustave Roussy", "Institut Curie"]
    assert igr.aliases == ["IGR Villejuif Cancer Campus"] and igr.ror_id == "0321g0743"
    assert InstitutionIndex.load().match(left, right).how == "identity"
    assert InstitutionIndex.load().match(left, "Institut Curie, Paris") is None
    assert other.id != igr.id


def test_merge_needs_another_institution(app):
    one = services.create_institution("Karolinska Institutet", country="SE")
    with pytest.raises(ValidationFailed):
        services.merge_institutions(one, [one])


def test_the_same_name_in_another_spelling_is_refused(app):
    services.create_institution("Hospital Clínic de Barcelona", country="ES")
    with pytest.raises(Conflict) as exc:
        services.create_institution("HOSPITAL CLINIC DE BARCELONA")
    assert "already listed" in exc.value.message and "name" in exc.value.fields


def test_bad_country_and_ror_id_are_field_errors(app):
    with pytest.raises(ValidationFailed) as exc:
        services.create_institution("Dana-Farber Cancer Institute", country="USA", ror_id="x")
    assert set(exc.value.fields) == {"country", "ror_id"}


def test_unknown_institutions_are_created_on_the_fly_without_duplicates(app):
    services.create_institution(
        "The University of Texas MD Anderson Cancer Center", aliases=["MDACC"], country="US"
    )
    created = services.record_affiliation(
        "Breast Surgery, Karolinska University Hospital, Stockholm; MD Anderson Cancer Center",
        "SE",
    )
    assert [i.name for i in created] == ["Karolinska University Hospital"]
    assert created[0].country == "SE"
    assert services.record_affiliation("Karolinska University Hospital, Solna") == []
    assert services.record_affiliation("Department of Surgery, MDACC") == []
    assert len(names()) == 2


def test_type_ahead_finds_names_and_aliases_regardless_of_accents(app):
    services.create_institution(
        "Hospital Clínic de Barcelona", aliases=["Hospital Clínic", "HCB"], country="ES"
    )
    services.create_institution("Karolinska University Hospital", country="SE")
    assert [i.name for i in search_institutions("clinic")] == ["Hospital Clínic de Barcelona"]
    assert [i.name for i in search_institutions("Clínic Barc")] == ["Hospital Clínic de Barcelona"]
    assert [i.name for i in search_institutions("hcb")] == ["Hospital Clínic de Barcelona"]
    assert search_institutions("   ") == []


def test_demo_lists_real_institutions_with_their_spellings(app, demo_copy):
    demo_copy("small")
    clinic = search_institutions("Clínic")[0]
    assert clinic.name == "Hospital Clínic de Barcelona" and "Hospital Clínic" in clinic.aliases
    match = InstitutionIndex.load().match(
        "Servicio de Oncología Médica, Hospital Clinic Barcelona", "Hospital Clínic de Barcelona"
    )
    assert match is not None and match.how == "identity"
