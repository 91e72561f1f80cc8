"""Signals of the institutions domain.

`affiliation_changed` is sent (sender: the user) by whoever changes a person's affiliation, after
setting it and before the commit, with `previous` (the affiliation before the change). The
abstracts domain listens to re-check its reviewers' conflicts of interest, so the ground floor
that changes profiles does not import the review domain.
"""

from blinker import Namespace

_signals = Namespace()

affiliation_changed = _signals.signal("affiliation-changed")
