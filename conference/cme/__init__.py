"""Accredited education (CME): disclosures and mitigation, learners 'disclosure."""
