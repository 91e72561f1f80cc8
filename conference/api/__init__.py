"""The JSON API under /api/v1 (flask-smorest: schemas validate requests and make OpenAPI)."""

from __future__ import annotations

from flask import Flask, render_template
from flask_smorest import Api as SmorestApi

from conference.extensions import csrf, db


class Api(SmorestApi):
    """flask-smorest Api whose errors go through the app's single JSON error handler."""

    def _register_error_handlers(self):
        """Errors are rendered by conference.api.errors for every /api/ path."""


api = Api()


def _decimal_as_string(self, field, ret):
    """Decimals the API writes as strings ("12.50", exact money) are documented as strings.

    apispec documents every Decimal as a number; clients and schema checkers would then expect
    12.5 where the API returns "12.50".
    """
    from marshmallow import fields

    if isinstance(field, fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
    return {}


def init_api(app: Flask) -> None:
    from conference.api import (
        abstracts,
        auth_token,
        congress,
        dashboard,
        industry,
        mailings,
        money,
        orders,
        policies,
        program,
        registration,
    )

    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
            "info": {
                "description": "Congress management API. Errors always have the shape "
                '{"error": {"status", "code", "message", "fields"}}.'
            },
        },
    )
    api.init_app(app)
    api.ma_plugin.converter.add_attribute_function(_decimal_as_string)
    for module in (
        auth_token,
        congress,
        abstracts,
        registration,
        orders,
        program,
        money,
        dashboard,
        policies,
        mailings,
        industry,
    ):
        api.register_blueprint(module.blp)
        csrf.exempt(module.blp)

    @app.get("/api/v1/docs")
    def api_docs():
        return render_template("api_docs.html")

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()
