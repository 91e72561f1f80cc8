"""Policies: sanitized public pages, the organizers' editor, the API, links from the form."""

from __future__ import annotations

import pytest

from conference import create_app
from conference.congresses import services
from conference.congresses.models import Policy
from conference.congresses.queries import get_policy
from conference.extensions import db
from conference.registration import services as registration_services
from conference.registration.queries import get_category_by_slug

HOSTILE = """# Registration terms

Fees include **VAT**. See [the congress](https://example.org/congress).

<script>alert('stolen')</script>

<img src="x" onerror="alert('img')">
<a href="javascript:alert('link')" onclick="alert('click')">click me</a>

| Category | Fee |
|:--|--:|
| Oncologist | 450 EUR |
"""


def _publish(congress, **bodies):
    services.save_policies(congress, bodies)
    db.session.commit()


def test_policy_page_renders_markdown_and_drops_active_content(client, congress):
    _publish(congress, terms=HOSTILE)
    response = client.get("/met26/terms")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Registration terms</h1>" in page
    assert "<strong>VAT</strong>" in page
    assert 'href="https://example.org/congress"' in page
    assert "<td>Oncologist</td>" in page or "Oncologist</td>" in page
    body = page.split('class="policy-body">', 1)[1].split("</article>", 1)[0]
    assert "<script" not in body and "stolen" not in body
    assert "onerror" not in body and "onclick" not in body
    assert "javascript:" not in body
    assert "<img" not in body


def test_a_policy_not_published_yet_is_a_friendly_404(client, congress):
    response = client.get("/met26/privacy")
    assert response.status_code == 404
    assert "Privacy policy: the text of" in response.get_data(as_text=True)
    assert "is not published yet" in response.get_data(as_text=True)


def test_organizer_publishes_changes_and_withdraws_policies(client, auth, organizer, congress):
    auth.login(organizer)
    form = {"terms": "Pay **before** the congress.", "cancellation": "Full refund.", "privacy": ""}
    response = client.post("/met26/manage/policies", data=form)
    assert response.status_code == 302
    assert "<strong>before</strong>" in client.get("/met26/terms").get_data(as_text=True)
    assert client.get("/met26/privacy").status_code == 404
    assert get_policy(congress, "terms").updated_by_id == organizer.id
    editor = client.get("/met26/manage/policies").get_data(as_text=True)
    assert "Pay **before** the congress." in editor  # the source, for editing
    client.post("/met26/manage/policies", data={**form, "cancellation": "  "})
    assert client.get("/met26/cancellation").status_code == 404
    assert db.session.query(Policy).count() == 1


def test_too_long_policy_is_refused_next_to_its_field_and_kept(client, auth, organizer, congress):
    auth.login(organizer)
    long_text = "x" * (services.MAX_POLICY_CHARS + 1)
    response = client.post(
        "/met26/manage/policies", data={"terms": "Short terms.", "privacy": long_text}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Field cannot be longer than" in page or "at most" in page
    assert "Short terms." in page  # what was typed stays
    assert db.session.query(Policy).count() == 0


@pytest.mark.parametrize("role", [None, "reviewer"])
def test_only_organizers_edit_policies(client, auth, create_user, congress, role):
    auth.login(create_user(role))
    assert client.get("/met26/manage/policies").status_code == 403
    response = client.post("/met26/manage/policies", data={"terms": "Mine now."})
    assert response.status_code == 403
    assert get_policy(congress, "terms") is None


def test_signed_out_visitor_is_sent_to_log_in(client, congress):
    response = client.post("/met26/manage/policies", data={"terms": "Mine now."})
    assert response.status_code in (302, 401)
    assert get_policy(congress, "terms") is None


def test_policy_editor_refuses_a_post_without_csrf_token(app_config, congress, organizer):
    config = type("CSRFConfig", (app_config,), {"WTF_CSRF_ENABLED": True})
    csrf_client = create_app(config).test_client()
    with csrf_client.session_transaction() as session:
        session["_user_id"] = organizer.get_id()
        session["_fresh"] = True
    assert csrf_client.get("/met26/manage/policies").status_code == 200
    response = csrf_client.post("/met26/manage/policies", data={"terms": "Forged."})
    assert response.status_code == 400
    assert get_policy(congress, "terms") is None


# -- API ---------------------------------------------------------------------------------------


def test_api_reads_published_policies_publicly(client, congress):
    response = client.get("/api/v1/congresses/met26/policies/terms")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "policy_not_published"
    _publish(congress, terms=HOSTILE)
    body = client.get("/api/v1/congresses/met26/policies/terms").json
    assert body["is_published"] is True and body["kind"] == "terms"
    assert body["body_markdown"].startswith("# Registration terms")
    assert "<script" not in body["body_html"] and "<strong>VAT</strong>" in body["body_html"]
    assert body["url"].endswith("/met26/terms") and body["url"].startswith("http")
    assert client.get("/api/v1/congresses/met26/policies/cookies").status_code == 404


def test_api_put_is_for_organizers(client, congress, organizer, create_user, api_token):
    payload = {"body_markdown": "Refunds until **1 May**."}
    assert (
        client.put("/api/v1/congresses/met26/policies/cancellation", json=payload).status_code
        == 401
    )
    other = api_token(create_user("reviewer"))
    assert (
        client.put(
            "/api/v1/congresses/met26/policies/cancellation", json=payload, headers=other
        ).status_code
        == 403
    )
    assert get_policy(congress, "cancellation") is None
    headers = api_token(organizer)
    response = client.put(
        "/api/v1/congresses/met26/policies/cancellation", json=payload, headers=headers
    )
    assert response.status_code == 200
    assert "<strong>1 May</strong>" in response.json["body_html"]
    assert "<strong>1 May</strong>" in client.get("/met26/cancellation").get_data(as_text=True)
    withdrawn = client.put(
        "/api/v1/congresses/met26/policies/cancellation",
        json={"body_markdown": ""},
        headers=headers,
    )
    assert withdrawn.status_code == 200 and withdrawn.json["is_published"] is False
    assert client.get("/met26/cancellation").status_code == 404


def test_api_put_names_the_bad_field(client, congress, organizer, api_token):
    headers = api_token(organizer)
    response = client.put(
        "/api/v1/congresses/met26/policies/terms", json={"body": "x"}, headers=headers
    )
    assert response.status_code == 422
    assert "body_markdown" in response.json["error"]["fields"]
    too_long = {"body_markdown": "x" * (services.MAX_POLICY_CHARS + 1)}
    response = client.put("/api/v1/congresses/met26/policies/terms", json=too_long, headers=headers)
    assert response.status_code == 422
    assert "body_markdown" in response.json["error"]["fields"]


# -- links from the registration form ----------------------------------------------------------


def test_register_form_links_only_the_published_policies(client, congress):
    registration_services.set_category_rules(
        get_category_by_slug(congress, "oncologist"), fees={"early": "450.00"}
    )
    _publish(congress, terms="Terms.", privacy="Privacy.")
    page = client.get("/met26/register").get_data(as_text=True)
    label = page.split('for="accept_terms"', 1)[1].split("</label>", 1)[0]
    assert '<a href="/met26/terms">registration terms</a>' in label
    assert '<a href="/met26/privacy">privacy policy</a>' in label
    assert "cancellation policy" in label and 'href="/met26/cancellation"' not in label


def test_demo_congress_publishes_its_three_policies(app, client, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    result = demo_copy()
    for path in ("/met26/terms", "/met26/cancellation", "/met26/privacy"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert result.congress.name in response.get_data(as_text=True)
    assert "<table>" in client.get("/met26/privacy").get_data(as_text=True)
