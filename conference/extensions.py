"""Flask extensions, created unbound and initialised in create_app."""

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from conference.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True)
mail = Mail()
csrf = CSRFProtect()
login_manager = LoginManager()


def _rate_key() -> str:
    """Key rate limits by client address (X-Forwarded-For is honoured via ProxyFix)."""
    return get_remote_address() or request.remote_addr or "unknown"


limiter = Limiter(key_func=_rate_key, default_limits=[])


def commit_keeping_loaded() -> None:
    """Commit without expiring the session's objects, so the response that follows is built
    from what this request just wrote instead of reloading every row and relationship (an
    API handler that answers with what it saved). Anything not loaded yet still loads fresh."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
