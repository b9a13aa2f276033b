"""Renkei (連携): the care coordination network of a region, run by its medical association."""
