"""The control plane's operations on stored connections: list, get, create, update, delete.

Every change is validated as the command line and the runtime validate it: the settings
field by field (then the destination's own ``check_settings``), each action's mapping, each
replaced subscription's FQL, and finally by building the very runner the runtime builds
(its subscriptions included); a 422 ``INVALID_CONNECTION`` lists every problem, each with
its ``section`` (``name``, ``source``, ``destination``, ``settings``, ``mappings``,
``subscriptions``), ``location`` (a setting's dotted path, or a JSON pointer into an
action's mapping) and, for mappings and subscriptions, its ``action``.

A connection the configuration file defines is read-only (409 ``READONLY``); an update or
delete names the version it read, and a stale one is refused (409 ``VERSION_CONFLICT``), so
of two edits made from one version exactly one is applied. Answers never hold a secret:
every secret setting reads ``{"secret": true}``, and a change that sends that marker back
keeps the stored value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from framework.authoring.definition import Destination
from framework.core.errors import ActionsError, SubscriptionSyntaxError
from framework.engine.execute import DestinationRunner
from framework.engine.operator import OperatorConfig
from framework.languages.fql import compile_subscription
from framework.runtime.control.connections import (
    NAME,
    Connection,
    merge_settings,
)
from framework.runtime.control.store import VersionConflict
from framework.runtime.delivery.config import ConfigError, RuntimeConfig
from framework.runtime.delivery.routes import subscriptions_of
from framework.runtime.server.checks import mapping_check, settings_check
from framework.runtime.server.errors import ApiError, bad_request, not_found

if TYPE_CHECKING:
    from framework.runtime.control.store import ConnectionStore

Document = Mapping[str, Any]
Problems = list[dict[str, str]]


class ControlPlane:
    """The connections of ``store``, for sources of ``config``, of ``destinations``,
    validated under the ``operator``'s configuration (see the module). Each method
    answers JSON or raises :class:`~framework.runtime.server.errors.ApiError`."""

    def __init__(
        self,
        store: ConnectionStore,
        destinations: Mapping[str, Destination],
        config: RuntimeConfig,
        operator: OperatorConfig,
    ) -> None:
        self._store = store
        self._destinations = destinations
        self._operator = operator
        self._sources = {source.name for source in config.sources}
        self._filed = {d.id for source in config.sources for d in source.destinations}

    def list(self) -> dict[str, Any]:
        """``{"connections": [...]}``, by name."""
        found = sorted(self._store.list(), key=lambda connection: connection.name)
        return {"connections": [self._answer(connection) for connection in found]}

    def get(self, name: str) -> dict[str, Any]:
        """One connection; 404 when there is none of that name."""
        return self._answer(self._stored(name))

    def create(self, document: Document) -> dict[str, Any]:
        """A new connection (version 1); 409 ``ALREADY_EXISTS`` when the name is taken."""
        name = document.get("name")
        if not isinstance(name, str):
            raise bad_request("name: expected a string")
        if self._store.get(name) is not None:
            raise ApiError(409, "ALREADY_EXISTS", f"a connection named {name!r} exists")
        connection = self._validated(name, document, None)
        return self._answer(self._put(connection, None))

    def update(self, name: str, document: Document) -> dict[str, Any]:
        """The connection replaced by ``document``, which names the ``version`` it was
        read at; a secret sent as ``{"secret": true}`` keeps its stored value."""
        version = _version(document.get("version"))
        if document.get("name", name) != name:
            raise bad_request("name: a connection cannot be renamed (create a new one)")
        stored = self._writable(name)
        connection = self._validated(name, document, stored)
        return self._answer(self._put(connection, version))

    def delete(self, name: str, version: int | None) -> dict[str, Any]:
        """``{"deleted": name}``; with ``version``, only if it is still the stored one."""
        self._writable(name)
        try:
            deleted = self._store.delete(name, version)
        except VersionConflict as error:
            raise _conflict(error) from None
        if not deleted:
            raise _missing(name)
        return {"deleted": name}

    def with_stored_secrets(
        self, name: str, destination: Destination, settings: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``settings`` (of ``destination``, from the page) with each ``{"secret": true}``
        replaced by the secret connection ``name`` stores at its place."""
        stored = self._stored(name)
        if stored.destination != destination.slug:
            raise bad_request(f"stored: {name!r} is not a {destination.slug} connection")
        return merge_settings(destination.setting_fields, settings, stored.settings)

    def _stored(self, name: str) -> Connection:
        connection = self._store.get(name)
        if connection is None:
            raise _missing(name)
        return connection

    def _writable(self, name: str) -> Connection:
        connection = self._stored(name)
        if connection.readonly:
            raise ApiError(
                409,
                "READONLY",
                f"{name!r} is defined by the configuration file: change it there",
            )
        return connection

    def _put(self, connection: Connection, version: int | None) -> Connection:
        try:
            return self._store.put(connection, version)
        except VersionConflict as error:
            raise _conflict(error) from None

    def _validated(self, name: str, document: Document, stored: Connection | None) -> Connection:
        """The connection ``document`` describes, or a 422 listing every problem."""
        source = _text(document, "source")
        slug = _text(document, "destination")
        settings = _object(document.get("settings", {}), "settings")
        mappings = _object(document.get("mappings", {}), "mappings")
        subscriptions = _object(document.get("subscriptions", {}), "subscriptions")
        enabled = document.get("enabled", True)
        if not isinstance(enabled, bool):
            raise bad_request("enabled: expected true or false")
        problems: Problems = []
        if not NAME.fullmatch(name):
            problems.append(_problem("name", "", "expected 1 to 63 of a-z, 0-9 and -"))
        elif name in self._filed:
            problems.append(
                _problem("name", "", "taken by a destination of the configuration file")
            )
        if source not in self._sources:
            known = ", ".join(sorted(self._sources))
            problems.append(_problem("source", "", f"no such source (known: {known})"))
        destination = self._destinations.get(slug)
        if destination is None:
            known = ", ".join(sorted(self._destinations)) or "none"
            problems.append(_problem("destination", "", f"unknown destination (known: {known})"))
            raise _invalid(problems)
        if stored is not None and stored.destination == slug:
            settings = merge_settings(destination.setting_fields, settings, stored.settings)
        problems += self._problems(destination, settings, mappings, subscriptions)
        if problems:
            raise _invalid(problems)
        return Connection(
            name=name,
            source=source,
            destination=slug,
            settings=settings,
            mappings=mappings,
            subscriptions=subscriptions,
            enabled=enabled,
        )

    def _problems(
        self,
        destination: Destination,
        settings: dict[str, Any],
        mappings: dict[str, Any],
        subscriptions: dict[str, Any],
    ) -> Problems:
        """Every problem of the settings, mappings and subscriptions; when there is none,
        whatever the runtime's runner still refuses."""
        problems = [
            _problem("settings", p["location"], p["message"])
            for p in settings_check(destination, settings, self._operator)
        ]
        for slug, mapping in mappings.items():
            action = destination.actions.get(slug)
            if action is None:
                problems.append(_problem("mappings", "", "no such action", slug))
                continue
            problems += [
                _problem("mappings", p["location"], p["message"], slug)
                for p in mapping_check(slug, action, mapping)
            ]
        for slug, fql in subscriptions.items():
            problem = _subscription_problem(destination, slug, fql)
            if problem is not None:
                problems.append(_problem("subscriptions", "", problem, slug))
        if problems:
            return problems
        try:
            DestinationRunner.configured(
                destination,
                settings,
                self._operator,
                subscriptions=subscriptions_of(destination, mappings, subscriptions),
                dry_run=True,
            ).close()
        except ActionsError as error:
            return [_problem("", "", error.message)]
        return []

    def _answer(self, connection: Connection) -> dict[str, Any]:
        """A connection as JSON, every secret setting masked (every setting, for a
        destination whose schema is unknown)."""
        destination = self._destinations.get(connection.destination)
        fields = destination.setting_fields if destination is not None else None
        return connection.to_json(masked=True, fields=fields)


def seed_from_config(store: ConnectionStore, config: RuntimeConfig) -> list[str]:
    """Store the configuration file's destinations as read-only connections (named by
    their id, or ``<source>-<id>`` when two sources use one id) and remove the read-only
    connections it no longer defines; the names seeded. A connection made through the API
    whose name a seeded one needs is a :class:`ConfigError`."""
    ids = [d.id for source in config.sources for d in source.destinations]
    seeded: list[str] = []
    for source in config.sources:
        for filed in source.destinations:
            name = filed.id if ids.count(filed.id) == 1 else f"{source.name}-{filed.id}"
            wanted = Connection(
                name=name,
                source=source.name,
                destination=filed.slug,
                settings=dict(filed.settings),
                mappings=dict(filed.mappings),
                subscriptions={},
                readonly=True,
            )
            _upsert(store, wanted)
            seeded.append(name)
    for stale in store.list():
        if stale.readonly and stale.name not in seeded:
            store.delete(stale.name, stale.version)
    return seeded


def _upsert(store: ConnectionStore, wanted: Connection) -> None:
    stored = store.get(wanted.name)
    if stored is None:
        store.put(wanted, None)
    elif not stored.readonly:
        raise ConfigError(
            f"connection {wanted.name!r} of the control plane has the name the configuration "
            "file's destination needs: delete or rename one of them"
        )
    elif replace(stored, version=0) != wanted:
        store.put(wanted, stored.version)


def _version(value: object) -> int:
    """The version an update names (the one its connection was read at)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise bad_request("version: expected the version the connection was read at")
    return value


def _text(document: Document, key: str) -> str:
    value = document.get(key)
    if not isinstance(value, str):
        raise bad_request(f"{key}: expected a string")
    return value


def _object(value: object, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_request(f"{key}: expected a JSON object")
    return value


def _problem(
    section: str, location: str, message: str, action: str | None = None
) -> dict[str, str]:
    """One problem of a connection: where (``section``, ``location``, the ``action``)."""
    found = {"section": section, "location": location, "message": message}
    return {**found, "action": action} if action is not None else found


def _subscription_problem(destination: Destination, action: str, fql: object) -> str | None:
    """What is wrong with the FQL replacing ``action``'s subscription, if anything."""
    if action not in destination.actions:
        return "no such action"
    if not isinstance(fql, str):
        return "expected FQL text"
    try:
        compile_subscription(fql)
    except SubscriptionSyntaxError as error:
        return error.message
    return None


def _invalid(problems: Problems) -> ApiError:
    return ApiError(422, "INVALID_CONNECTION", "invalid connection", problems)


def _conflict(error: VersionConflict) -> ApiError:
    return ApiError(409, error.code, error.message)


def _missing(name: str) -> ApiError:
    return not_found(f"no connection named {name!r}")
