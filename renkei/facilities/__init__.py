"""Facilities (事業所): joining by application, their staff list (form 3) and admins."""
