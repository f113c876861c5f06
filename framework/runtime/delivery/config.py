"""The runtime's configuration file (TOML): the queue, delivery options, and which
destinations, settings and mappings each write key feeds.

::

    queue = "sqlite:///actions-queue.db"  # the default; relative to this file
    # queue = "redis://:env:REDIS_PASSWORD@redis.internal:6379/0"   several machines

    [delivery]
    concurrency = 256      max_attempts = 8       max_age = "24h"
    lease = "60s"          backoff = "1s"         max_backoff = "10m"
    timeout = "10s"        dedupe_window = "24h"  shutdown_grace = "30s"

    [[sources]]
    name = "website"
    write_key = "env:WEBSITE_WRITE_KEY"

    [[sources.destinations]]
    slug = "perkville"
    settings_file = "perkville-settings.json"       # relative to this file
    settings = { api_key = "env:PERKVILLE_API_KEY" }  # merged over the file's
    mappings = { award_points = { email = { "@path" = "$.traits.email" } } }
    max_in_flight = 64     # requests to this destination under way at once (no limit)
    rate_limit = 50        # requests per second to this destination (no limit)

    [control]              # the control plane: connections stored and edited live (optional)
    store = "sqlite:///actions-control.db"   # the default; relative to this file
    # store = "redis://127.0.0.1:6379/0"     the default with a Redis queue: the queue's Redis
    secret_key = "env:CONTROL_KEY"           # Fernet key sealing stored secrets (else a key file)
    admin_token = "env:ADMIN_TOKEN"          # required to serve on a non-loopback address

A source may list no destinations: the control plane's connections name it.

Any string ``"env:NAME"`` (a write key, a setting at any depth) is read from the
environment variable ``NAME`` when the configuration is loaded; a missing variable is an
error naming it. In the queue URL, ``env:NAME`` may stand for the password alone. The
queue may also be written as a table: ``[queue]`` ``url = "..."``. Unknown keys are
errors, so a typo is never silently ignored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from framework.core.endpoint import endpoint_problem
from framework.core.errors import ActionsError
from framework.core.json_text import (
    MAX_INTEGER_DIGITS,
    JsonTextError,
    json_problem,
    located,
    parse_json,
)
from framework.runtime.delivery.durations import parse_duration

ENV_PREFIX = "env:"
DEFAULT_QUEUE = "sqlite:///actions-queue.db"
DEFAULT_CONTROL_STORE = "sqlite:///actions-control.db"
REDIS_EXAMPLE = "redis://127.0.0.1:6379/0"


class ConfigError(ActionsError):
    """The configuration file is missing, not TOML, or says something invalid (the message
    names where; it never contains a value, so never a secret)."""

    code = "INVALID_CONFIG"


def redis_package_needed(setting: str, what: str) -> ConfigError:
    """The error of a Redis ``what`` (queue, store) named by ``setting`` when the redis
    package is not installed."""
    return ConfigError(
        f"{setting}: a Redis {what} needs the redis package: "
        "pip install 'destination-actions[redis]'"
    )


@dataclass(frozen=True)
class DeliveryOptions:
    """How workers deliver: ``concurrency`` (deliveries in flight per process), retries
    (exponential back-off with full jitter, ``backoff`` doubling per attempt up to
    ``max_backoff``), how long an item may stay in flight before another worker may claim
    it (``lease``), per-request ``timeout``, how long before an undelivered event is given
    up (``max_age``), how long a messageId is remembered for de-duplication
    (``dedupe_window``), and how long deliveries under way may take to finish when the
    process is stopped (``shutdown_grace``). Durations are in seconds."""

    concurrency: int = 256
    max_attempts: int = 8
    max_age: float = 86_400.0
    lease: float = 60.0
    backoff: float = 1.0
    max_backoff: float = 600.0
    timeout: float = 10.0
    dedupe_window: float = 86_400.0
    shutdown_grace: float = 30.0


@dataclass(frozen=True)
class DestinationConfig:
    """One destination a source feeds: ``id`` (unique in its source; the slug by default),
    the settings (secrets resolved), mappings merged over the presets' (action slug ->
    mapping), an optional ``endpoint`` (an http(s) URL) replacing the destination's base
    URL, and its flow limits (``max_in_flight`` requests under way, ``rate_limit`` requests
    per second)."""

    id: str
    slug: str
    settings: dict[str, Any]
    mappings: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoint: str | None = None
    max_in_flight: int | None = None
    rate_limit: float | None = None


@dataclass(frozen=True)
class SourceConfig:
    """A source: its ``name`` (in the queue, logs and metrics), its write key (a secret:
    never logged) and the destinations its events go to."""

    name: str
    write_key: str = field(repr=False)
    destinations: tuple[DestinationConfig, ...]


@dataclass(frozen=True)
class ControlConfig:
    """The control plane (``[control]``): where connections are stored (``store_url``, a
    ``sqlite:///`` file or a ``redis://`` URL), the key sealing their secrets
    (``secret_key``, a Fernet key; ``None``: a key file beside the store) and the token
    the control API asks for (``admin_token``). Both secrets are resolved and never shown."""

    store_url: str = field(default=DEFAULT_CONTROL_STORE, repr=False)  # may hold a password
    secret_key: str | None = field(default=None, repr=False)
    admin_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RuntimeConfig:
    """The whole file."""

    queue_url: str = field(repr=False)  # may hold a password
    delivery: DeliveryOptions
    sources: tuple[SourceConfig, ...]
    control: ControlConfig = field(default_factory=ControlConfig)


_TOP = {"queue", "delivery", "sources", "control"}
_CONTROL = {"store", "secret_key", "admin_token"}
_STORE_SCHEMES = ("sqlite:///", "redis://", "rediss://")
_SOURCE = {"name", "write_key", "destinations"}
_DESTINATION = {
    "slug",
    "id",
    "settings",
    "settings_file",
    "mappings",
    "endpoint",
    "max_in_flight",
    "rate_limit",
}
_DURATIONS = {
    "max_age",
    "lease",
    "backoff",
    "max_backoff",
    "timeout",
    "dedupe_window",
    "shutdown_grace",
}
_COUNTS = {"concurrency", "max_attempts"}
_RENAMED = {"workers": "concurrency (deliveries in flight per process, 256 by default)"}


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> RuntimeConfig:
    """The configuration in ``path``, secrets resolved from ``environ`` (the process's
    environment by default)."""
    document = _read(path)
    env = os.environ if environ is None else environ
    _known(document, _TOP, "")
    queue_url = _queue_url(document, path, env)
    delivery = _delivery(document.get("delivery", {}))
    sources = document.get("sources")
    if not isinstance(sources, list) or not sources:
        raise ConfigError("[[sources]]: at least one source is required")
    parsed = tuple(
        _source(item, f"sources[{index}]", path.parent, env) for index, item in enumerate(sources)
    )
    _unique([s.name for s in parsed], "sources: source name")
    _unique([s.write_key for s in parsed], "sources: write key", show=False)
    control = _control(document.get("control", {}), queue_url, path, env)
    return RuntimeConfig(queue_url, delivery, parsed, control)


def load_queue_url(path: Path, environ: Mapping[str, str] | None = None) -> str:
    """Only the queue URL of the file (for commands that need nothing else, such as
    ``actions dlq``: no other secret has to be set for them)."""
    return _queue_url(_read(path), path, os.environ if environ is None else environ)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except OSError as error:
        raise ConfigError(
            f"cannot read configuration file {str(path)!r}: {error.strerror}"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"configuration file {str(path)!r} is not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"configuration file {str(path)!r} is not UTF-8") from None
    except ValueError:  # tomllib converts integers of any length, Python refuses
        raise ConfigError(
            f"configuration file {str(path)!r} holds an integer of more than "
            f"{MAX_INTEGER_DIGITS} digits"
        ) from None
    except RecursionError:
        raise ConfigError(f"configuration file {str(path)!r} is nested too deeply") from None


def _queue_url(document: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> str:
    queue = document.get("queue", DEFAULT_QUEUE)
    if isinstance(queue, dict):
        _known(queue, {"url"}, "queue.")
        queue = queue.get("url", DEFAULT_QUEUE)
    if not isinstance(queue, str) or not queue:
        raise ConfigError(f'queue: expected a URL such as "{DEFAULT_QUEUE}" or "{REDIS_EXAMPLE}"')
    return _store_url(queue, path, "queue", env)


def _store_url(url: str, path: Path, where: str, env: Mapping[str, str]) -> str:
    """``url`` with a relative SQLite file made relative to the configuration file and a
    password written ``env:NAME`` read from the environment."""
    scheme, sep, rest = url.partition(":///")
    if scheme == "sqlite" and sep and not rest.startswith("/"):
        return f"sqlite:///{(path.parent / rest).resolve()}"  # relative to the file
    return _password_from_env(url, env, where)


def _control(table: object, queue_url: str, path: Path, env: Mapping[str, str]) -> ControlConfig:
    """``[control]``; the store defaults to the queue's Redis with a Redis queue, else to a
    SQLite file beside the configuration file."""
    if not isinstance(table, dict):
        raise ConfigError("[control]: expected a table")
    _known(table, _CONTROL, "control.")
    default = queue_url if queue_url.startswith(_STORE_SCHEMES[1:]) else DEFAULT_CONTROL_STORE
    store = table.get("store", default)
    url = _store_url(store, path, "control.store", env) if isinstance(store, str) else ""
    if not url.startswith(_STORE_SCHEMES):
        raise ConfigError(
            f'control.store: expected a URL such as "{DEFAULT_CONTROL_STORE}" or "{REDIS_EXAMPLE}"'
        )
    secrets = {key: _secret(table, key, env) for key in ("secret_key", "admin_token")}
    return ControlConfig(url, **secrets)


def _secret(table: Mapping[str, Any], key: str, env: Mapping[str, str]) -> str | None:
    if key not in table:
        return None
    value = _resolve(table[key], f"control.{key}", env)
    if not isinstance(value, str) or not value:
        raise ConfigError(f'control.{key}: expected a non-empty string (or "env:NAME")')
    return value


def _password_from_env(url: str, env: Mapping[str, str], where: str) -> str:
    """``url`` with a password written ``env:NAME`` (``redis://:env:NAME@host``) read
    from the environment; the whole URL may be ``env:NAME`` too."""
    if url.startswith(ENV_PREFIX):
        return str(_resolve(url, where, env))
    scheme, sep, rest = url.partition("://")
    credentials, at, address = rest.rpartition("@")
    user, _, password = credentials.partition(":")
    if not (sep and at and password.startswith(ENV_PREFIX)):
        return url
    secret = _resolve(password, f"{where} (password)", env)
    return f"{scheme}://{user}:{quote(str(secret), safe='')}@{address}"


def _delivery(table: object) -> DeliveryOptions:
    if not isinstance(table, dict):
        raise ConfigError("[delivery]: expected a table")
    for old, new in _RENAMED.items():
        if old in table:
            raise ConfigError(f"delivery.{old}: renamed to {new}")
    _known(table, _DURATIONS | _COUNTS, "delivery.")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in _COUNTS:
            values[key] = _count(value, f"delivery.{key}")
        else:
            try:
                values[key] = parse_duration(value)
            except ValueError as error:
                raise ConfigError(f"delivery.{key}: {error}") from None
    return DeliveryOptions(**values)


def _source(item: object, where: str, base: Path, env: Mapping[str, str]) -> SourceConfig:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a table")
    _known(item, _SOURCE, f"{where}.")
    name = _text(item, "name", where)
    write_key = _resolve(item.get("write_key"), f"{where}.write_key", env)
    if not isinstance(write_key, str) or not write_key:
        raise ConfigError(f'{where}.write_key: expected a non-empty string (or "env:NAME")')
    destinations = item.get("destinations", [])
    if not isinstance(destinations, list):
        raise ConfigError(f"{where}.destinations: expected an array of tables")
    parsed = tuple(
        _destination(d, f"{where}.destinations[{index}]", base, env)
        for index, d in enumerate(destinations)
    )
    _unique([d.id for d in parsed], f"{where}.destinations: id")
    return SourceConfig(name, write_key, parsed)


def _destination(item: object, where: str, base: Path, env: Mapping[str, str]) -> DestinationConfig:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a table")
    _known(item, _DESTINATION, f"{where}.")
    slug = _text(item, "slug", where)
    settings: dict[str, Any] = {}
    if "settings_file" in item:
        settings = _settings_file(base / _text(item, "settings_file", where), where)
    inline = item.get("settings", {})
    if not isinstance(inline, dict):
        raise ConfigError(f"{where}.settings: expected a table")
    settings = _resolve({**settings, **inline}, f"{where}.settings", env)
    mappings = item.get("mappings", {})
    if not isinstance(mappings, dict) or not all(isinstance(m, dict) for m in mappings.values()):
        raise ConfigError(f"{where}.mappings: expected a table: action slug -> mapping")
    _json_data(inline, f"{where}.settings")
    _json_data(mappings, f"{where}.mappings")
    endpoint = _endpoint(item, where) if "endpoint" in item else None
    ident = _text(item, "id", where) if "id" in item else slug
    in_flight = item.get("max_in_flight")
    rate = item.get("rate_limit")
    if rate is not None and (
        isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < float("inf")
    ):
        raise ConfigError(f"{where}.rate_limit: expected a positive number of requests per second")
    return DestinationConfig(
        ident,
        slug,
        settings,
        mappings,
        endpoint,
        max_in_flight=None if in_flight is None else _count(in_flight, f"{where}.max_in_flight"),
        rate_limit=None if rate is None else float(rate),
    )


def _json_data(value: object, where: str) -> None:
    """Refuse what strict JSON cannot hold (TOML has ``inf`` and ``nan``), as a settings
    file or a mapping file would be refused."""
    problem = json_problem(value)
    if problem is not None:
        raise ConfigError(f"{where}: {located(problem.reason, problem.pointer or '')}")


def _endpoint(table: Mapping[str, Any], where: str) -> str:
    url = _text(table, "endpoint", where)
    problem = endpoint_problem(url)
    if problem is not None:
        raise ConfigError(f"{where}.endpoint: the endpoint {problem}")
    return url


def _count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: expected a whole number of at least 1")
    return value


def _settings_file(path: Path, where: str) -> dict[str, Any]:
    try:
        document = parse_json(path.read_bytes())
    except OSError as error:
        raise ConfigError(
            f"{where}.settings_file: cannot read {str(path)!r}: {error.strerror}"
        ) from None
    except JsonTextError as error:
        raise ConfigError(f"{where}.settings_file: {str(path)!r} is {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{where}.settings_file: {str(path)!r} must hold a JSON object")
    return document


def _resolve(value: Any, where: str, env: Mapping[str, str]) -> Any:
    """``value`` with every ``"env:NAME"`` string replaced by the variable's value."""
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX) :]
        if name not in env:
            raise ConfigError(f"{where}: environment variable {name} is not set")
        return env[name]
    if isinstance(value, dict):
        return {key: _resolve(item, f"{where}.{key}", env) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, f"{where}[{index}]", env) for index, item in enumerate(value)]
    return value


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key}: expected a non-empty string")
    return value


def _known(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}{unknown[0]}: unknown key (expected one of {', '.join(sorted(allowed))})"
        )


def _unique(values: list[str], what: str, *, show: bool = True) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ConfigError(f"{what} {value!r} is used twice" if show else f"{what} used twice")
        seen.add(value)
