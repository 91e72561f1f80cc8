"""Configuration classes: every setting comes from the environment, with development defaults."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def parse_bool(name: str, value: str | None, default: bool = False) -> bool:
    """The one reading of a boolean setting: 1/true/yes/on, 0/false/no/off or empty (any case).

    Anything else is refused, so a typo never turns a security setting on or off by accident.
    """
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(
        f"{name}={value!r} is not a yes/no value: use 1, true, yes, on or 0, false, no, off."
    )


def _bool(name: str, default: bool = False) -> bool:
    return parse_bool(name, os.environ.get(name), default)


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    """Settings shared by every environment, read from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'conference.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Mail (Flask-Mail); the outbox worker delivers through these.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _int("MAIL_PORT", 8025)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "congress@localhost")
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
    #: How long a reverse proxy, CDN or browser may reuse a public page or export without
    #: asking again (signed-in pages are never cached).
    PUBLIC_CACHE_SECONDS = _int("PUBLIC_CACHE_SECONDS", 60)
    MAIL_DEBUG = False
    #: Attempts before an outbox message is marked failed for good.
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)

    # Rate limiting (Flask-Limiter): memory by default, Redis when REDIS_URL is set.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Password checks per client, one bucket for web login, API token, reset and confirmation.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    #: Failed logins per account (whatever the client address) before it is locked for a while.
    ACCOUNT_LOCKOUT_LIMIT = os.environ.get("ACCOUNT_LOCKOUT_LIMIT", "10 per 15 minutes")
    #: Sign-ups per client.
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "5 per hour;20 per day")
    #: Honour X-Forwarded-For/-Proto/-Host from one reverse proxy (only behind one).
    TRUST_PROXY_HEADERS = _bool("TRUST_PROXY_HEADERS")
    #: Registrations per client, the web form and the API together (organizer tokens exempt).
    REGISTRATION_RATE_LIMIT = os.environ.get("REGISTRATION_RATE_LIMIT", "30 per minute")

    # Online card payments (Stripe Checkout): offered only when both keys are set.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY") or None
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET") or None
    #: Another address for Stripe's API (tests point it at a local stand-in).
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or None

    # Absolute URLs in emails and exports.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    #: Slug of the congress this instance serves (the first one when unset).
    CONGRESS_SLUG = os.environ.get("CONGRESS_SLUG") or None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: "Keep me logged in" lasts this many days (logging out ends it at once).
    REMEMBER_COOKIE_DURATION = timedelta(days=_int("REMEMBER_COOKIE_DAYS", 30))
    PERMANENT_SESSION_LIFETIME = timedelta(days=7)
    WTF_CSRF_TIME_LIMIT = None  # token valid for the session's life

    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 6 * 1024 * 1024)
    #: Where uploaded files go (conference/storage.py): "local" (a directory on this machine)
    #: or "s3" (an S3-compatible object store shared by every web server).
    STORAGE_BACKEND = (os.environ.get("STORAGE_BACKEND") or "local").strip().lower()
    #: Local backend: the directory of stored files...
    STORAGE_DIR = os.environ.get("STORAGE_DIR") or str(INSTANCE_DIR / "storage")
    #: ...except proofs of status, kept in UPLOAD_DIR/registration-proofs/ as before.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")
    #: S3 backend: bucket, endpoint (empty for AWS itself) and region; credentials come from
    #: the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or an instance role.
    S3_BUCKET = os.environ.get("S3_BUCKET") or None
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    S3_REGION = os.environ.get("S3_REGION") or None

    EMAIL_TOKEN_MAX_AGE = _int("EMAIL_TOKEN_MAX_AGE", 48 * 3600)
    PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 2 * 3600)
    API_TOKEN_DAYS = _int("API_TOKEN_DAYS", 30)

    # OpenAPI (flask-smorest); /api/v1/docs serves the vendored swagger-ui (no CDN).
    API_TITLE = "Congress API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    #: argon2-cffi PasswordHasher parameters; empty means the library's (RFC 9106) defaults.
    ARGON2_PARAMS: dict = {}

    TESTING = False
    DEBUG = False


class DevelopmentConfig(Config):
    """Local development: SQLite under instance/, mail to the local sink of `make run`."""

    DEBUG = True


class TestingConfig(Config):
    """Tests: database from TEST_DATABASE_URL only (never DATABASE_URL, which may be a real
    system's), no CSRF lifetime issues."""

    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    TRUST_PROXY_HEADERS = False
    RATELIMIT_STORAGE_URI = "memory://"
    #: Forms are tested without CSRF; tests/test_security.py and the browser tests keep it on.
    WTF_CSRF_ENABLED = False
    MAIL_TIMEOUT = 5
    #: Tests deliver to a real SMTP server on loopback (Flask-Mail would suppress by default).
    MAIL_SUPPRESS_SEND = False
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 9  # nothing listens here unless a test's `smtp` fixture sets its own port
    #: Cheap hashing keeps the suite fast; the algorithm (argon2id) is the production one.
    ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    #: Card payments stay off unless a test points them at its local Stripe stand-in.
    STRIPE_SECRET_KEY = None
    STRIPE_WEBHOOK_SECRET = None
    STRIPE_API_BASE = None


class ProductionConfig(Config):
    """Production: refuses to start without real secrets, a real database and Redis (the
    login and sign-up limits must be shared by every worker process), or with a storage
    backend it cannot use."""

    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @classmethod
    def check(cls) -> None:
        required = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")
        missing = [name for name in required if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "ProductionConfig needs these environment variables: " + ", ".join(missing)
            )
        if cls.STORAGE_BACKEND not in ("local", "s3"):
            raise RuntimeError(f"STORAGE_BACKEND={cls.STORAGE_BACKEND!r}: use local or s3.")
        if cls.STORAGE_BACKEND == "s3" and not cls.S3_BUCKET:
            raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
