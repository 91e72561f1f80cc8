"""The abstract form without help: author rows added and removed without JavaScript,
countries from a list, and an accepted abstract closed to its author's edits."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from conference.abstracts import decisions
from conference.abstracts.models import Abstract
from conference.extensions import db
from tests.abstracts.test_views import form_fields


def abstract_count() -> int:
    return db.session.scalar(select(func.count(Abstract.id)))


def value_of(page: str, name: str) -> str | None:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


def selected_country(page: str, name: str) -> str | None:
    select_html = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', page, re.S)
    if select_html is None:
        return None
    chosen = re.search(r'<option selected value="([^"]*)"', select_html.group(0))
    return chosen.group(1) if chosen else ""


def test_add_author_adds_a_row_and_keeps_what_was_typed(client, auth, author, congress):
    auth.login(author)
    fields = form_fields(submit=None, add_author="Add author")
    response = client.post("/met26/abstracts/new", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert abstract_count() == 0  # nothing saved
    assert len(re.findall(r'class="[^"]*author-row', page)) == 3
    assert value_of(page, "authors-1-name") == "Carl Coauthor"
    assert value_of(page, "authors-2-name") in (None, "")
    assert selected_country(page, "authors-1-country") == "FR"
    assert "Serial liquid biopsy in stage IV disease" in page
    assert "Novartis: consulting/advisory" in page


def test_remove_takes_out_that_row_only(client, auth, author, congress):
    auth.login(author)
    fields = form_fields(
        submit=None,
        remove_author="0",
        **{
            "authors-2-name": "Dora Third",
            "authors-2-email": "dora@example.org",
            "authors-2-affiliation": "Karolinska Institutet",
            "authors-2-country": "SE",
        },
    )
    response = client.post("/met26/abstracts/new", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and abstract_count() == 0
    assert len(re.findall(r'class="[^"]*author-row', page)) == 2
    assert value_of(page, "authors-0-name") == "Carl Coauthor"
    assert value_of(page, "authors-1-name") == "Dora Third"
    assert selected_country(page, "authors-1-country") == "SE"
    assert "Paula Presenter" not in page


def test_buttons_are_submit_buttons_in_the_page(client, auth, author, congress):
    auth.login(author)
    page = client.get("/met26/abstracts/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="add_author"[^>]*type="submit"', page)
    page = client.post(
        "/met26/abstracts/new", data=form_fields(submit=None, add_author="Add author")
    ).get_data(as_text=True)
    assert re.search(r'<button type="submit"[^>]*name="remove_author" value="1"', page)


def test_country_is_chosen_from_a_list_and_checked_by_the_server(client, auth, author, congress):
    auth.login(author)
    page = client.get("/met26/abstracts/new").get_data(as_text=True)
    assert re.search(r'<select[^>]*name="authors-0-country"', page)
    assert re.search(r'<option[^>]*value="AT"[^>]*>Austria</option>', page)
    response = client.post("/met26/abstracts/new", data=form_fields(**{"authors-1-country": "XX"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and abstract_count() == 0
    assert "Choose a country from the list" in page
    assert value_of(page, "authors-1-name") == "Carl Coauthor"


def test_api_refuses_an_unknown_country(client, congress, author, api_token, payload):
    body = payload()
    body["authors"][1]["country"] = "QQ"
    response = client.post(
        "/api/v1/congresses/met26/abstracts", json=body, headers=api_token(author)
    )
    assert response.status_code == 422
    assert "authors.1.country" in response.get_json()["error"]["fields"]


def _accept_and_release(abstract, organizer, congress):
    decisions.decide_abstract(abstract, "oral", organizer, confirm_incomplete=True)
    decisions.release_decisions(congress)
    db.session.commit()


def test_accepted_abstract_is_closed_to_its_author(
    client, auth, author, organizer, congress, make_abstract, api_token, payload
):
    abstract = make_abstract()
    auth.login(author)
    assert client.get(f"/met26/abstracts/{abstract.id}/edit").status_code == 200
    _accept_and_release(abstract, organizer, congress)
    assert abstract.edit_lock_reason.startswith("This abstract was accepted on ")

    response = client.get(f"/met26/abstracts/{abstract.id}/edit")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="edit-lock"' in page and "contact the organizers" in page
    assert f'href="/met26/abstracts/{abstract.id}/edit"' not in page

    title = abstract.title
    client.post(
        f"/met26/abstracts/{abstract.id}/edit", data=form_fields(title="Changed", submit=None)
    )
    db.session.expire_all()
    assert db.session.get(Abstract, abstract.id).title == title

    response = client.patch(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}",
        json=payload(),
        headers=api_token(author),
    )
    error = response.get_json()["error"]
    assert response.status_code == 409 and error["code"] == "accepted"
    assert "contact the organizers" in error["message"]


def test_rejected_abstract_stays_open_until_its_deadline(
    client, auth, author, organizer, congress, make_abstract
):
    abstract = make_abstract()
    decisions.decide_abstract(abstract, "rejected", organizer, confirm_incomplete=True)
    decisions.release_decisions(congress)
    db.session.commit()
    assert abstract.edit_lock_reason is None
