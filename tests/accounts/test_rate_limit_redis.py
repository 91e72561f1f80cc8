"""With REDIS_URL, login limits are shared by every worker process (Redis storage)."""

import socket
import uuid

import pytest

from conference import create_app
from conference.extensions import limiter


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
