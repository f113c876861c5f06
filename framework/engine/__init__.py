"""The async delivery engine: one event loop per process (:mod:`framework.engine.loop`)
and the HTTP client every outgoing request goes through."""
