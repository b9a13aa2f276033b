"""Live updates over WebSocket: events carry ids; consumers re-check access before sending."""
