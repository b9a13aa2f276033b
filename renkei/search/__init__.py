"""Japanese full-text search over the posts and attachment names a member may read."""
