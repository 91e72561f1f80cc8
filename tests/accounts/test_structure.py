"""accounts is the ground floor: a person's professional category and the country helpers
live elsewhere (registration; conference/countries.py)."""

import ast
from pathlib import Path

import pytest

from conference.errors import ValidationFailed
from conference.extensions import db
from conference.registration import services as registration
from conference.registration.queries import get_categories, get_user_category

ACCOUNTS = Path(__file__).resolve().parents[2] / "conference" / "accounts"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted(ACCOUNTS.glob("*.py")), ids=lambda p: p.name)
def test_accounts_imports_nothing_from_registration(path):
    assert not {m for m in _imported_modules(path) if m.startswith("conference.registration")}


def test_accounts_services_no_longer_holds_the_country_helpers():
    from conference import countries
    from conference.accounts import services
    from conference.countries import check_country, country_name

    assert not hasattr(services, "country_choices") and not hasattr(services, "country_name")
    assert services.check_country is countries.check_country  # used, not defined, there

    assert country_name("PL") == "Poland"
    assert check_country("XX") is not None


def test_a_persons_professional_category_is_kept_by_registration(app, congress, create_user):
    user = create_user(email="amira.haddad@oncology.example", name="أميرة حداد")
    oncologist, student = get_categories(congress, active_only=True)
    registration.set_user_category(user, oncologist.id)
    db.session.commit()
    assert get_user_category(user) == oncologist
    registration.set_user_category(user, student.id)
    assert get_user_category(user) == student
    registration.set_user_category(user, None)
    assert get_user_category(user) is None
    with pytest.raises(ValidationFailed) as exc:
        registration.set_user_category(user, 999_999)
    assert set(exc.value.fields) == {"category_id"}


def test_profile_page_links_to_the_category_page_which_saves_it(
    client, auth, congress, create_user
):
    user = auth.login(create_user())
    assert "/met26/profile/category" in client.get("/profile").get_data(as_text=True)
    oncologist = get_categories(congress, active_only=True)[0]
    assert client.get("/met26/profile/category").status_code == 200
    response = client.post("/met26/profile/category", data={"category_id": str(oncologist.id)})
    assert response.status_code == 302
    assert get_user_category(user) == oncologist
    response = client.post("/met26/profile/category", data={"category_id": "999999"})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True) or "Choose a professional" in (
        response.get_data(as_text=True)
    )
