"""The API's endpoints, one module per noun; each translates HTTP to actions and queries."""
