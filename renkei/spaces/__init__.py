"""Spaces where the care team talks: patient groups, groups and connections (R2.6)."""
