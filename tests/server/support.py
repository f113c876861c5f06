"""The settings server in this process, on 127.0.0.1 and a free port, for the duration of a
``with`` block; and the schemas of test destinations written where it reads them."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from framework.definition import Destination
from framework.schema_files import write_schemas
from framework.server import MAX_BODY, SettingsApi, SettingsServer

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def running_server(
    destinations: Iterable[Destination],
    *,
    schemas_dir: Path = ROOT / "schemas",
    endpoints: Mapping[str, str] | None = None,
    max_body: int = MAX_BODY,
) -> Iterator[SettingsServer]:
    """Serve ``destinations`` (their committed schemas read from ``schemas_dir``)."""
    api = SettingsApi({d.slug: d for d in destinations}, schemas_dir, dict(endpoints or {}))
    server = SettingsServer("127.0.0.1", 0, api, max_body=max_body)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def schemas_of(destinations: Iterable[Destination], folder: Path) -> Path:
    """``folder`` after writing the destinations' schemas into it, as ``actions schemas``
    would commit them."""
    write_schemas(folder, destinations)
    return folder
