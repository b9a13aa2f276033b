"""Members and how they sign in: one person, one account (R2.1), under the regional policy."""
