"""The PDF and CSV tests build real registrations and a published program: reuse those fixtures."""

from tests.program.conftest import at, make_abstract, make_session, publish, room_b  # noqa: F401
from tests.registration.conftest import priced, register, upload_dir  # noqa: F401
