"""The page an OAuth provider sends the browser back to, ``/oauth/callback``: the outcome
of connecting, in words. The settings page learns it on its own (it polls the flow's
status); a window that connected closes itself (``static/callback.js``: the
Content-Security-Policy allows no inline script)."""

from __future__ import annotations

from html import escape

from framework.engine.oauth.connect import FlowStatus

CALLBACK_PATH = "/oauth/callback"

_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{title}</title>
    <link rel="icon" href="/static/icon.svg">
    <link rel="stylesheet" href="/static/style.css">
    <script type="module" src="/static/callback.js"></script>
  </head>
  <body data-status="{status}">
    <section class="callback">
      <h1>{title}</h1>
      <p class="message {kind}" role="status">{message}</p>
      <p class="help">{next}</p>
    </section>
  </body>
</html>
"""


def callback_html(outcome: FlowStatus) -> bytes:
    """The page for a flow's outcome (every text escaped)."""
    connected = outcome.status == "connected"
    page = _PAGE.format(
        title="Connected" if connected else "Not connected",
        status=escape(outcome.status),
        kind="ok" if connected else "fail",
        message=escape(
            "The destination is connected." if connected else f"{outcome.code}: {outcome.message}"
        ),
        next=escape(
            "This window can be closed: the settings page shows the connection."
            if connected
            else "Close this window and press Connect again on the settings page."
        ),
    )
    return page.encode()
