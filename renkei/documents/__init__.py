"""Documents: the seed's forms and certificates, generated as Japanese PDF from the data."""
