"""Request filters that run before any view: deeply nested JSON is a 400, never a 500."""

import pytest

from conference.security import MAX_JSON_DEPTH


@pytest.mark.parametrize("depth", [500, 5_000, 200_000])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/auth/token",
        "/api/v1/congresses/met26/abstracts",
        "/api/v1/congresses/met26/tracks",
        "/login",
        "/no-such-path",
    ],
)
def test_deeply_nested_json_is_refused_with_400_before_authentication(
    client, congress, path, depth
):
    body = "[" * depth + "]" * depth
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400
    if path.startswith("/api/"):
        error = response.get_json()["error"]
        assert error["status"] == 400
        assert "nested too deeply" in error["message"]


def test_unclosed_deep_json_is_refused_with_400(client, congress):
    response = client.post(
        "/api/v1/auth/token", data="[" * 200_000, content_type="application/json"
    )
    assert response.status_code == 400


def test_brackets_inside_strings_do_not_count_as_nesting(client, congress):
    text = "[" * 10_000
    response = client.post(
        "/api/v1/auth/token",
        json={"email": "a@example.org", "password": text},
    )
    assert response.status_code == 401


def test_json_at_the_depth_limit_still_reaches_the_view(client, congress):
    nested = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    body = '{"email": "a@example.org", "password": "x", "extra": ' + nested + "}"
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 422  # the schema names the unknown field
    assert "extra" in response.get_json()["error"]["fields"]
