"""Institutions: the identity behind people's free-text affiliations.

A small ground-floor domain shared by accounts (a reviewer's affiliation) and abstracts (an
author's affiliation): it imports no other domain.
"""
