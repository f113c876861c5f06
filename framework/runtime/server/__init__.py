"""The settings server behind ``actions serve``: a page that renders each destination's
settings form from its JSON Schema (the committed file, or the same document generated from
its definition), tests the connection, edits mappings and shows what an event would send (a
dry run), over a small JSON API.

Served by aiohttp on the process's event loop (:mod:`framework.runtime.web`); loopback by default.
The page is plain JavaScript served from ``static/`` (no build step): ``form.js`` renders
any schema the framework generates, ``app.js`` drives the page.
"""

from framework.runtime.server.api import SettingsApi
from framework.runtime.server.handler import MAX_BODY, SettingsServer

__all__ = ["MAX_BODY", "SettingsApi", "SettingsServer"]
