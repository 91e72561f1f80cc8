"""GET /api/v1/me: who the token's holder is, documented in the OpenAPI."""


def test_me_returns_the_token_holders_account(client, congress, create_user, api_token):
    user = create_user(
        "reviewer",
        email="li.wei@fudan-cancer.example",
        name="李伟",
        title="Prof",
        affiliation="Fudan University Shanghai Cancer Center",
        country="CN",
    )
    response = client.get("/api/v1/me", headers=api_token(user))
    assert response.status_code == 200
    assert response.json == {
        "id": user.id,
        "email": "li.wei@fudan-cancer.example",
        "name": "李伟",
        "title": "Prof",
        "display_name": "Prof 李伟",
        "affiliation": "Fudan University Shanghai Cancer Center",
        "country": "CN",
        "roles": ["reviewer"],
        "email_confirmed": True,
    }


def test_me_needs_a_valid_token(client, congress):
    assert client.get("/api/v1/me").status_code == 401
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer ct_not-a-token"})
    assert response.status_code == 401
    assert response.json["error"]["status"] == 401


def test_me_is_in_the_openapi_document_with_its_schema(client, congress):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/me"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    properties = spec["components"]["schemas"][name]["properties"]
    assert {"id", "email", "name", "roles", "affiliation"} <= set(properties)
    assert "401" in operation["responses"]
    assert "/api/v1/auth/token" in spec["paths"]
    assert properties["roles"]["type"] == "array"
