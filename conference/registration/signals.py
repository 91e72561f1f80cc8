"""Signals of the registration domain.

`registration_erased` is sent (sender: the registration) by `privacy.erase_registration` once
the personal data is gone, before the commit. Domains that keep copies of it elsewhere listen
(the CME domain deletes the stored PDFs of the learner's certificates), so registration never
imports them.
"""

from blinker import Namespace

_signals = Namespace()

registration_erased = _signals.signal("registration-erased")
