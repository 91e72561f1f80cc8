"""Property-based run of schemathesis over the whole API: no input makes a 500, and every
success response matches the body schema the OpenAPI document declares for it.

Every operation of /api/v1/openapi.json is called with data generated from its schema (valid
and invalid), as an organizer so that handlers run rather than stop at 401/403. Bounded and
derandomized, so it is part of the normal suite and of CI. (schemathesis' own pytest plugin
does not run under pytest 9 yet; the operations are driven through its Python API.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import response_schema_conformance

from conference import create_app
from config import TestingConfig

#: Examples per operation: enough to reach odd inputs, few enough for CI.
EXAMPLES_PER_OPERATION = 15


def _operation_labels() -> list[str]:
    """Every operation of the document (building the app touches no database)."""
    app = create_app(TestingConfig)
    with app.app_context():
        spec = app.test_client().get("/api/v1/openapi.json").get_json()
    methods = {"get", "post", "put", "patch", "delete"}
    # The deprecated single-congress paths run the same handlers as the congress paths.
    return sorted(
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in methods and not operation.get("deprecated")
    )


@pytest.fixture(scope="module")
def api_schema(_shared_app):
    """The OpenAPI document of the run's app, loaded once for the ~100 operations.

    schemathesis seeds generation with literals it reads from the handlers' source code (its
    "constants pool", about a second to extract) and keeps them per schema object and app: a
    schema per test re-read the whole source each time. Every test gets the same document and
    pool, so it generates exactly the cases it did with a schema of its own (checked when this
    was shared: same 15 cases per operation, in the same order).
    """
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _shared_app)


@pytest.mark.parametrize("label", _operation_labels())
def test_no_generated_request_makes_a_server_error(
    app, api_schema, congress, organizer, api_token, label
):
    headers = api_token(organizer)
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label
    server_errors = []
    nonconforming = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        if case.path_parameters and "congress" in case.path_parameters:
            # Generated slugs name no congress (404): ask the congress that exists.
            case.path_parameters["congress"] = congress.slug
        response = case.call(headers=headers)
        if response.status_code >= 500:
            server_errors.append(
                f"{case.method} {case.formatted_path} body={case.body!r} query={case.query!r} "
                f"-> {response.status_code} {response.text[:300]}"
            )
        elif 200 <= response.status_code < 300:
            try:
                case.validate_response(response, checks=[response_schema_conformance])
            except Exception as exc:  # schemathesis raises a group of failures
                nonconforming.append(f"{case.method} {case.formatted_path}: {exc}"[:1500])

    call()
    assert server_errors == []
    assert nonconforming == []
