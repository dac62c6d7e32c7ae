"""Advocacy casework: complex cases carried to resolution on time, with restricted records."""
