"""Renkei's SQLite database backend (``ENGINE = "renkei.sqlite"``); see ``base``."""
