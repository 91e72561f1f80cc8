"""Import every domain's models so SQLAlchemy's metadata (and Alembic) sees all tables."""

from conference import jobs, mail  # noqa: F401
from conference.abstracts import models as abstracts_models  # noqa: F401
from conference.accounts import models as accounts_models  # noqa: F401
from conference.cme import models as cme_models  # noqa: F401
from conference.congresses import models as congresses_models  # noqa: F401
from conference.content import models as content_models  # noqa: F401
from conference.industry import models as industry_models  # noqa: F401
from conference.institutions import models as institutions_models  # noqa: F401
from conference.mailings import models as mailings_models  # noqa: F401
from conference.money import models as money_models  # noqa: F401
from conference.program import models as program_models  # noqa: F401
from conference.program import schedule_models as program_schedule_models  # noqa: F401
from conference.registration import models as registration_models  # noqa: F401
