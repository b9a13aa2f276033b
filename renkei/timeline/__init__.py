"""The timeline of a space: posts, replies, edits, 了解 (R3.3②), mentions and read state."""
