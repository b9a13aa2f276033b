"""The JSON API at /api/v1, described by OpenAPI: the same actions and queries as the pages."""
