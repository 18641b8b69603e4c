"""Routers of the verifier service: one module per resource."""
