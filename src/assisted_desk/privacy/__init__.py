"""Residents' rights under UK GDPR: subject access (everything held about a resident, as a PDF and
JSON in one archive), erasure, legal holds and retention. No Qt.

Subject access and erasure cross every domain: they find a resident's rows through the one
registry of tables that point at a resident (`desk.merge.RESIDENT_LINKS`), so a table added later
that forgets to register is caught by the same check that protects merges."""
