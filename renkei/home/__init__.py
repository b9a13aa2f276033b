"""The home page and the help pages that every member reaches."""
