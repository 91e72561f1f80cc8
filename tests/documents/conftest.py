"""The PDF and CSV tests build real registrations and a published program: reuse those fixtures."""

from tests.program.conftest import (  # noqa: F401
    at,
    book_storage,
    build_books,
    make_abstract,
    make_session,
    publish,
    room_b,
)
from tests.registration.conftest import priced, register, upload_dir  # noqa: F401
