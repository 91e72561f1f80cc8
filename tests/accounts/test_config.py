"""Configuration means what it says: booleans, the production requirements."""

import pytest

from conference import create_app
from config import ProductionConfig, parse_bool


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "off", "no", "", "  Off "])
def test_boolean_settings_read_off_words_as_off(value):
    assert parse_bool("TRUST_PROXY_HEADERS", value) is False


@pytest.mark.parametrize("value", ["1", "true", "True", "on", "yes"])
def test_boolean_settings_read_on_words_as_on(value):
    assert parse_bool("TRUST_PROXY_HEADERS", value) is True


def test_a_boolean_setting_with_an_unknown_word_is_refused_with_its_name():
    with pytest.raises(ValueError, match="TRUST_PROXY_HEADERS='enabled' is not a yes/no value"):
        parse_bool("TRUST_PROXY_HEADERS", "enabled")


def test_production_refuses_to_start_without_redis(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret-for-test")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db.example/congress")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        create_app(ProductionConfig)


def test_trust_proxy_headers_off_reads_from_the_environment_as_off():
    import os
    import subprocess
    import sys

    for value in ("0", "false", "off", ""):
        env = {**os.environ, "TRUST_PROXY_HEADERS": value}
        result = subprocess.run(
            [sys.executable, "-c", "import config; print(config.Config.TRUST_PROXY_HEADERS)"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.strip() == "False", value


def test_trust_proxy_headers_0_lets_no_client_spoof_its_address_past_the_login_limit(
    monkeypatch, app_config, congress
):
    monkeypatch.setenv("TRUST_PROXY_HEADERS", "0")
    config = type("Limited", (app_config,), {"LOGIN_RATE_LIMIT": "3 per minute"})
    client = create_app(config).test_client()
    data = {"email": "victim@example.org", "password": "Wrong-guess-77"}
    statuses = [
        client.post("/login", data=data, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
