"""The demo region of the embedded mode."""
