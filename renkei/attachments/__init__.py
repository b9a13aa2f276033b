"""Photos and files on posts: checked by content, re-encoded, encrypted with the space's key."""
