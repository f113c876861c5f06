"""Shared primitives every layer may use; nothing here imports the rest of the framework:
the error hierarchy, strict JSON text, secret redaction, the private-address guard,
endpoint checks, Segment event helpers and the version."""
