"""The program API documents its response bodies in OpenAPI, and the response schemas
return exactly the JSON the handlers build."""

from __future__ import annotations

import json

import pytest

from conference.api import program as api
from conference.extensions import db
from conference.models import utcnow
from conference.program import sessions as services
from conference.program.conflicts import detect_conflicts
from conference.program.exports.urls import PublicUrls
from conference.program.published import get_published_program
from conference.program.schedule_queries import get_session


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def response_schema(spec, path, method, status):
    content = spec["paths"][path][method]["responses"][status]["content"]
    return resolve(spec, content["application/json"]["schema"])


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def test_get_session_documents_its_body(spec):
    schema = response_schema(
        spec, "/api/v1/congresses/{congress}/sessions/{session_id}", "get", "200"
    )
    assert {"url", "title", "presentations"} <= set(schema["properties"])
    items = resolve(spec, schema["properties"]["presentations"]["items"])
    assert {"url", "title", "speakers", "sections"} <= set(items["properties"])
    speaker = resolve(spec, items["properties"]["speakers"]["items"])
    assert {"id", "name", "url"} <= set(speaker["properties"])


@pytest.mark.parametrize(
    "path, method, status, expected",
    [
        ("/api/v1/congresses/{congress}/sessions", "get", "200", {"version", "sessions"}),
        (
            "/api/v1/congresses/{congress}/sessions",
            "post",
            "201",
            {"url", "title", "presentations", "warnings"},
        ),
        (
            "/api/v1/congresses/{congress}/sessions/{session_id}",
            "patch",
            "200",
            {"url", "warnings"},
        ),
        (
            "/api/v1/congresses/{congress}/sessions/{session_id}",
            "delete",
            "200",
            {"deleted", "warnings"},
        ),
        (
            "/api/v1/congresses/{congress}/sessions/{session_id}/presentations",
            "post",
            "201",
            {"presentation", "presentations"},
        ),
        ("/api/v1/congresses/{congress}/program/conflicts", "get", "200", {"count", "conflicts"}),
        (
            "/api/v1/congresses/{congress}/program/publish",
            "post",
            "201",
            {"version", "changes", "acknowledged", "messages"},
        ),
        ("/api/v1/congresses/{congress}/program/publish", "post", "200", {"dry_run", "preview"}),
    ],
)
def test_every_program_response_is_documented(spec, path, method, status, expected):
    assert expected <= set(response_schema(spec, path, method, status)["properties"])


def plain(value):
    return json.loads(json.dumps(value))


@pytest.fixture
def program_data(congress, make_session, make_abstract, room_b, publish):
    session = make_session("Schema session", chairs=["Cleo Chair <cleo@example.org>"])
    services.add_presentation(session, abstract=make_abstract(title="Released talk"))
    services.add_presentation(session, abstract=make_abstract(title="Embargoed talk", public=False))
    services.add_presentation(
        session, title="Invited talk", speakers=["Ivy Invited <ivy@example.org>"]
    )
    make_session("Clash", start="10:00", end="11:00")  # a conflict
    make_session("Break", format="break", is_accredited=False, room=room_b)
    publish()
    return session


def test_published_bodies_are_unchanged_by_the_schemas(client, congress, program_data):
    program = get_published_program(congress)
    urls, now = PublicUrls(), utcnow()
    s = program.session_by_id[program_data.id]
    expected = plain(api._published_session(program, s, urls, now, full=True))
    assert client.get(f"/api/v1/congresses/met26/sessions/{program_data.id}").get_json() == expected
    listing = client.get("/api/v1/congresses/met26/sessions").get_json()
    assert listing == {
        "version": program.number,
        "sessions": [
            plain(api._published_session(program, x, urls, now, full=False))
            for x in program.sessions
        ],
    }
    assert "Embargoed talk" not in json.dumps(listing)


def test_organizer_bodies_are_unchanged_by_the_schemas(
    client, congress, program_data, organizer, api_token
):
    headers = api_token(organizer)
    conflicts = client.get("/api/v1/congresses/met26/program/conflicts", headers=headers).get_json()
    assert conflicts == plain(
        {"count": 1, "conflicts": [c.as_dict() for c in detect_conflicts(congress)]}
    )
    patched = client.patch(
        f"/api/v1/congresses/met26/sessions/{program_data.id}",
        json={"expected_audience": 40},
        headers=headers,
    ).get_json()
    db.session.expire_all()
    expected = api._live_session(
        get_session(congress, program_data.id), PublicUrls(), detect_conflicts(congress)
    )
    assert patched == plain(expected)
    assert patched["warnings"] and patched["warnings"][0]["objects"]
    published = client.post(
        "/api/v1/congresses/met26/program/publish",
        json={"acknowledge": [c["key"] for c in conflicts["conflicts"]]},
        headers=headers,
    )
    assert published.status_code == 201
    body = published.get_json()
    assert set(body) == {"version", "published_at", "changes", "acknowledged", "messages", "book"}
    assert body["book"]["status"] == "queued"
    assert (
        body["changes"]
        == [
            {"kind": "session_changed", "session": program_data.id, "message": c["message"]}
            for c in body["changes"]
        ]
        or body["changes"] == []
    )
    assert body["acknowledged"] == conflicts["conflicts"]
    deleted = client.delete(f"/api/v1/congresses/met26/sessions/{program_data.id}", headers=headers)
    assert deleted.get_json() == {"deleted": program_data.id, "warnings": []}


def test_publish_changes_keep_their_ids(client, congress, make_session, organizer, api_token):
    headers = api_token(organizer)
    make_session("First")
    client.post("/api/v1/congresses/met26/program/publish", json={}, headers=headers)
    added = make_session("Second", start="11:00", end="12:00")
    body = client.post(
        "/api/v1/congresses/met26/program/publish", json={}, headers=headers
    ).get_json()
    assert {"kind": "session_added", "session": added.id} | {
        "message": body["changes"][0]["message"]
    } in body["changes"]
