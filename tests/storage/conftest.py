"""Storage tests reuse the registration fixtures (a congress with fees)."""

from tests.registration.conftest import priced  # noqa: F401
