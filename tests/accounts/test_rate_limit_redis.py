"""With REDIS_URL, login limits are shared by every worker process (Redis storage)."""

import socket
import uuid

import pytest

from conference import create_app
from conference.extensions import limiter
from tests.factories import PASSWORD


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_two_workers_share_the_login_limit_through_redis(app_config, congress):
    # The limiter is process-wide (one app per process in production): put it back afterwards.
    saved = {name: getattr(limiter, name) for name in ("_storage", "_limiter", "_key_prefix")}
    prefix = f"test-{uuid.uuid4().hex}"
    config = type(
        "RedisConfig",
        (app_config,),
        {
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
            "RATELIMIT_KEY_PREFIX": prefix,
            "LOGIN_RATE_LIMIT": "5 per minute",
        },
    )
    worker_a = create_app(config).test_client()
    worker_b = create_app(config).test_client()
    data = {"email": "x@example.org", "password": "wrong-pass-1"}
    try:
        statuses = [worker_a.post("/login", data=data).status_code for _ in range(3)]
        statuses += [worker_b.post("/login", data=data).status_code for _ in range(3)]
        assert statuses == [200, 200, 200, 200, 200, 429]
    finally:
        limiter.reset()
        for name, value in saved.items():
            setattr(limiter, name, value)


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_web_and_api_on_two_workers_share_one_bucket_and_the_account_lock(
    app_config, congress, create_user
):
    saved = {name: getattr(limiter, name) for name in ("_storage", "_limiter", "_key_prefix")}
    prefix = f"test-{uuid.uuid4().hex}"
    config = type(
        "RedisConfig",
        (app_config,),
        {
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
            "RATELIMIT_KEY_PREFIX": prefix,
            "LOGIN_RATE_LIMIT": "6 per minute",
            "ACCOUNT_LOCKOUT_LIMIT": "4 per 15 minutes",
        },
    )
    user = create_user(email="dr.lindqvist@karolinska.example")
    worker_a = create_app(config).test_client()
    worker_b = create_app(config).test_client()
    try:
        # One client: web form on one worker, API on the other, against one bucket of 6.
        # (Each attempt names another address, so no account lock gets in the way.)
        def wrong(n):
            return {"email": f"someone{n}@example.org", "password": "wrong-pass-1"}

        statuses = [worker_a.post("/login", data=wrong(n)).status_code for n in range(3)]
        statuses += [
            worker_b.post("/api/v1/auth/token", json=wrong(n)).status_code for n in range(3, 7)
        ]
        assert statuses == [200, 200, 200, 401, 401, 401, 429]

        # Per account, whatever the client address: failures on A lock the login on B.
        bad = {"email": user.email, "password": "wrong-pass-1"}
        for n in range(4):
            worker_a.post("/login", data=bad, environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
        good = {"email": user.email, "password": PASSWORD}
        response = worker_b.post(
            "/api/v1/auth/token", json=good, environ_base={"REMOTE_ADDR": "198.51.100.9"}
        )
        assert response.status_code == 429
        assert response.json["error"]["code"] == "account_locked"
    finally:
        limiter.reset()
        for name, value in saved.items():
            setattr(limiter, name, value)
