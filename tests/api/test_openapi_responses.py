"""Every API operation documents its success response, with a body schema unless it is a 204."""

from __future__ import annotations

METHODS = {"get", "post", "put", "patch", "delete"}


def test_every_operation_documents_a_response_body(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    undocumented = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            success = {
                code: response
                for code, response in operation["responses"].items()
                if code.startswith("2")
            }
            # JSON, or a documented file type (an invoice PDF) where the operation serves one.
            bodies = [
                media["schema"]
                for code, response in success.items()
                if code != "204" and "content" in response
                for media in response["content"].values()
            ]
            if not success or (not bodies and set(success) != {"204"}):
                undocumented.append(f"{method.upper()} {path}")
    assert undocumented == []
