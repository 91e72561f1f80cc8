"""Browser: the affiliation field offers listed institutions as the person types (CSP on)."""

from conference.extensions import db
from conference.institutions import services
from tests.factories import PASSWORD


def test_profile_affiliation_offers_institutions_by_alias(
    page, congress, create_user, live_server_factory
):
    services.create_institution(
        "Hospital Clínic de Barcelona", aliases=["Hospital Clínic", "HCB"], country="ES"
    )
    services.create_institution("Karolinska University Hospital", country="SE")
    create_user(email="montserrat.vidal@example.org", name="Montserrat Vidal i Puig")
    db.session.commit()
    server = live_server_factory()
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill("montserrat.vidal@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(server.url + "/profile")
    field = page.get_by_label("Affiliation / institution")
    assert field.get_attribute("list") == "institution-options"
    field.fill("Servei d'Oncologia, clinic barc")
    option = page.locator("#institution-options option").first
    option.wait_for(state="attached")
    assert option.get_attribute("value") == "Servei d'Oncologia, Hospital Clínic de Barcelona"
    assert page.locator("#institution-options option").count() == 1
    assert page.js_errors == []
