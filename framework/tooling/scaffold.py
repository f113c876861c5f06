"""``actions init``: scaffold a new destination package with its tests, and register it.

The files follow the layout of the built-in destinations: ``destinations/<package>/``
holds the settings class (``settings.py``), one action (``send_event.py``) and the
definition (``__init__.py``); ``tests/<package>/`` holds a snapshot test of the request
and a validation test (with ``--auth oauth2``, also tests of the bearer header and of the
OAuth 2.0 declaration). The destination is registered as the built-in ones are, by an entry
point in the project's ``pyproject.toml`` (:mod:`framework.authoring.registry`), which the installed
project declares once it is reinstalled.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from framework.authoring.registry import ENTRY_POINT_GROUP

Auth = Literal["none", "custom", "basic", "oauth2"]
MAX_NAME = 28  # characters: every generated line then fits in 100
TABLE = f'[project.entry-points."{ENTRY_POINT_GROUP}"]'
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")


@dataclass(frozen=True)
class Names:
    """The spellings of a new destination's name."""

    package: str  # acme_crm
    slug: str  # acme-crm
    title: str  # Acme Crm
    classes: str  # AcmeCrm (the prefix of its class names)

    @classmethod
    def of(cls, name: str) -> Names:
        """Names from ``acme-crm`` or ``acme_crm``; a ``ValueError`` says what is wrong."""
        if not _NAME.match(name) or len(name) > MAX_NAME:
            raise ValueError(
                f"destination name {name!r}: use lowercase letters and digits, words joined "
                f"by '-' or '_', starting with a letter, at most {MAX_NAME} characters "
                "(e.g. acme-crm)"
            )
        words = [word.capitalize() for word in re.split(r"[-_]", name)]
        return cls(name.replace("-", "_"), name.replace("_", "-"), " ".join(words), "".join(words))

    @property
    def entry_point(self) -> str:
        """Its line in the project's entry-point table."""
        return f'{self.slug} = "destinations.{self.package}:destination"'


def scaffold(root: Path, name: str, auth: Auth) -> list[Path]:
    """Write the new destination's files under ``root`` and register it in
    ``root/pyproject.toml``; refuses (changing nothing) to overwrite anything, or when
    the project has no entry-point table to register it in."""
    names = Names.of(name)
    package = root / "destinations" / names.package
    files = {
        package / "__init__.py": _definition(names, auth),
        package / "settings.py": _settings(names, auth),
        package / "send_event.py": _ACTION.format(p=names.package, c=names.classes, t=names.title),
        root / "tests" / names.package / f"test_{names.package}.py": _tests(names, auth),
    }
    existing = [str(path) for path in files if path.exists()]
    if existing or package.exists():
        raise FileExistsError(f"destination {names.package!r} already exists: {existing}")
    pyproject = root / "pyproject.toml"
    registered = with_entry_point(_read_pyproject(pyproject), names)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    pyproject.write_text(registered, encoding="utf-8")
    return list(files)


# --- registering ----------------------------------------------------------------------------


def with_entry_point(text: str, names: Names) -> str:
    """``pyproject.toml``'s text with the destination's entry point appended to the
    ``[project.entry-points."destination_actions.destinations"]`` table (the rest kept as
    written); a ``ValueError`` when there is no such table or the name is taken."""
    if names.slug in entry_points(text).get(ENTRY_POINT_GROUP, {}):
        raise ValueError(f"pyproject.toml: {TABLE} already has an entry point {names.slug!r}")
    lines = text.splitlines(keepends=True)
    header = next((i for i, line in enumerate(lines) if line.split("#")[0].strip() == TABLE), None)
    if header is None:
        raise ValueError(
            f"pyproject.toml has no table header {TABLE} (spelled so) to register the "
            "destination in: add it and run `actions init` again"
        )
    end = next(
        (i for i in range(header + 1, len(lines)) if lines[i].lstrip().startswith("[")),
        len(lines),
    )
    while end > header + 1 and not lines[end - 1].strip():
        end -= 1
    if not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    updated = "".join([*lines[:end], names.entry_point + "\n", *lines[end:]])
    if entry_points(updated).get(ENTRY_POINT_GROUP, {}).get(names.slug) is None:
        raise ValueError(f"pyproject.toml: could not add {names.entry_point!r} to {TABLE}")
    return updated


def entry_points(text: str) -> Mapping[str, Mapping[str, str]]:
    """The entry points a ``pyproject.toml`` declares, by group (a ``ValueError`` for text
    that is not TOML)."""
    try:
        project: Any = tomllib.loads(text).get("project", {})
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"pyproject.toml is not valid TOML: {error}") from None
    return project.get("entry-points", {}) if isinstance(project, dict) else {}


def write_declared_metadata(root: Path, folder: Path) -> None:
    """Write into ``folder`` the metadata the project will have once reinstalled: its name,
    version and entry points as ``root/pyproject.toml`` declares them now. First on
    ``sys.path``, it stands in for the installed metadata, so that a command sees a
    destination registered since the project was installed."""
    text = _read_pyproject(root / "pyproject.toml")
    project = tomllib.loads(text)["project"]
    name, version = project["name"], project.get("version", "0")
    info = folder / f"{re.sub(r'[-_.]+', '_', name)}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    groups = [
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in points.items())
        for group, points in entry_points(text).items()
    ]
    (info / "entry_points.txt").write_text("\n".join(groups), encoding="utf-8")


def _read_pyproject(path: Path) -> str:
    if not path.is_file():
        raise ValueError(
            f"{path}: not found; `actions init` registers the destination in the project's "
            f"pyproject.toml ({TABLE}): give the project folder with --root"
        )
    return path.read_text(encoding="utf-8")


# --- the files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _AuthParts:
    """What an authentication choice adds to the generated files. ``settings_fields``,
    ``hooks``, ``options`` and ``tests`` are templates: they may name the destination
    (``{t}`` its title, ``{s}`` its slug, ``{c}`` its class prefix) and ``{token}``."""

    settings_imports: str
    settings_fields: str
    definition_imports: str
    hooks: str
    options: str
    test_settings: str
    framework_names: str = "AuthenticationTest, Destination, HttpRequest, Preset"
    token: str = ""  # the secret setting sent as a bearer token
    tests: str = ""  # tests of what this choice adds


def _fill(template: str, names: Names, parts: _AuthParts) -> str:
    """One of ``parts``' templates, for the destination ``names`` spells."""
    return template.format(t=names.title, s=names.slug, c=names.classes, token=parts.token)


def _settings(names: Names, auth: Auth) -> str:
    parts = _AUTH[auth]
    return _SETTINGS.format(
        t=names.title,
        c=names.classes,
        imports=parts.settings_imports,
        fields=_fill(parts.settings_fields, names, parts),
    )


def _definition(names: Names, auth: Auth) -> str:
    parts = _AUTH[auth]
    return _DEFINITION.format(
        t=names.title,
        p=names.package,
        s=names.slug,
        c=names.classes,
        imports=parts.definition_imports,
        framework_names=parts.framework_names,
        hooks=_fill(parts.hooks, names, parts) + "\n" if parts.hooks else "",
        options=_fill(parts.options, names, parts),
    )


def _tests(names: Names, auth: Auth) -> str:
    parts = _AUTH[auth]
    return _TESTS.format(
        t=names.title,
        p=names.package,
        settings=parts.test_settings,
        more=_fill(parts.tests, names, parts),
    )


_SETTINGS = '''"""The settings of {t} (scaffolded by `actions init`)."""

from __future__ import annotations
{imports}

class {c}Settings(Settings):
    """What each {t} account configures."""
{fields}'''

_DEFINITION = '''"""The {t} destination (from `actions init`: make it your own)."""

from __future__ import annotations
{imports}
from destinations.{p}.send_event import send_event
from destinations.{p}.settings import {c}Settings
from framework import {framework_names}
{hooks}
destination = Destination(
    name="{t}",
    slug="{s}",
    description="Sends track events to {t}.",
    base_url="https://api.{s}.example/v1",
    settings={c}Settings,
    actions={{"send_event": send_event}},
    presets=[
        Preset(name="Send track events", subscription='type = "track"', action="send_event"),
    ],{options}
)
'''

_AUTH_TEST = '''

def who_am_i(settings: {c}Settings) -> HttpRequest:
    """The authentication test: a request that only valid credentials can make."""
    return HttpRequest("GET", "/me")
'''

_BEARER = (
    '''

def bearer_token(settings: {c}Settings) -> dict[str, str]:
    """Every request carries the {token} setting as a bearer token."""
    return {{"Authorization": f"Bearer {{settings.{token}.get_secret_value()}}"}}
'''
    + _AUTH_TEST
)

_BASIC = (
    '''

def basic_credentials(settings: {c}Settings) -> dict[str, str]:
    """Every request carries HTTP Basic credentials."""
    pair = f"{{settings.username}}:{{settings.password.get_secret_value()}}"
    return {{"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}}
'''
    + _AUTH_TEST
)

_AUTH_OPTIONS = """
    authentication=AuthenticationTest(
        request=who_am_i,
        failures={{401: "invalid credentials", 403: "invalid credentials"}},
    ),
    extend_request="""

_OAUTH_OPTIONS = """
    # Connecting stores the grant and fills {token} with a reference to it ("oauth:<id>"):
    # the framework then sends the current access token where bearer_token reads {token}.
    oauth=OAuth2(
        authorize_url="https://{s}.example/oauth/authorize",
        token_url="https://{s}.example/oauth/token",
        token_setting="{token}",
        scopes=("events:write",),
        pkce=True,
        client_auth="body",  # or "basic": the client's id and secret as HTTP Basic
        label="Connect with {t}",
    ),"""

_OAUTH_TESTS = """

def test_every_request_carries_the_token_as_a_bearer_header() -> None:
    run = run_action(destination, "send_event", make_track_event("Signed Up"), SETTINGS)
    [request] = run.transport.requests
    assert request.headers["authorization"] == "Bearer " + SETTINGS["{token}"]


def test_connect_with_oauth_fills_the_token_setting() -> None:
    assert destination.oauth is not None
    assert destination.oauth.token_setting == "{token}"
    assert destination.setting_fields["{token}"].type == "secret"
    assert destination.oauth.label == "Connect with {t}"
"""

_SECRET_IMPORTS = "\nfrom framework import Field, SecretStr, Settings\n"

_AUTH: dict[Auth, _AuthParts] = {
    "none": _AuthParts(
        "\nfrom framework import Settings\n", "", "", "", "", "{}", "Destination, Preset"
    ),
    "custom": _AuthParts(
        _SECRET_IMPORTS,
        '\n    api_key: SecretStr = Field(label="API key", description="The API key of your '
        'account.")\n',
        "",
        _BEARER,
        _AUTH_OPTIONS + "bearer_token,",
        '{"api_key": "test-api-key"}',
        token="api_key",
    ),
    "basic": _AuthParts(
        _SECRET_IMPORTS,
        '\n    username: str = Field(label="Username", description="The user name of your '
        'account.")\n    password: SecretStr = Field(label="Password", description="The '
        'password of your account.")\n',
        "\nimport base64\n",
        _BASIC,
        _AUTH_OPTIONS + "basic_credentials,",
        '{"username": "test-user", "password": "test-password"}',
    ),
    "oauth2": _AuthParts(
        _SECRET_IMPORTS,
        '\n    access_token: SecretStr = Field(\n        label="Access token",\n        '
        'description="Paste a token, or use Connect with {t}.",\n    )\n',
        "",
        _BEARER,
        _AUTH_OPTIONS + "bearer_token," + _OAUTH_OPTIONS,
        '{"access_token": "test-access-token"}',
        "AuthenticationTest, Destination, HttpRequest, OAuth2, Preset",
        token="access_token",
        tests=_OAUTH_TESTS,
    ),
}

_ACTION = '''"""The "Send Event" action: POST an event's name, user and properties to /events."""

from __future__ import annotations

from typing import Any

from destinations.{p}.settings import {c}Settings
from framework import Action, Field, HttpRequest, Payload, path


class SendEvent(Payload):
    """What one track event gives the Send Event action."""

    user_id: str = Field(label="User ID", description="Who did it.", default=path("$.userId"))
    event_name: str = Field(
        label="Event name", description="What happened.", default=path("$.event")
    )
    properties: dict[str, Any] | None = Field(
        label="Properties", description="Details of the event.", default=path("$.properties")
    )


def build_request(settings: {c}Settings, payload: SendEvent) -> HttpRequest:
    """The request for one event: ``payload`` holds the typed values of its fields."""
    body = {{
        "user_id": payload.user_id,
        "event_name": payload.event_name,
        "properties": payload.properties or {{}},
    }}
    return HttpRequest("POST", "/events", json=body)


send_event = Action(
    title="Send Event",
    description="Send the event to {t}.",
    payload=SendEvent,
    perform=build_request,
    default_subscription='type = "track"',
)
'''

_TESTS = '''"""Tests of the {t} destination (scaffolded by `actions init`)."""

from __future__ import annotations

from typing import Any

from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from destinations.{p} import destination
from framework.testing import make_track_event, run_action

SETTINGS: dict[str, Any] = {settings}


def test_send_event_request(snapshot: SnapshotAssertion) -> None:
    event = make_track_event("Signed Up", userId="user-1", properties={{"plan": "pro"}})
    run = run_action(destination, "send_event", event, SETTINGS)
    assert run.result.status == "delivered", run.result.error
    assert run.sent() == snapshot.use_extension(JSONSnapshotExtension)


def test_an_event_without_a_user_fails_validation() -> None:
    event = make_track_event("Signed Up", userId=None)
    run = run_action(destination, "send_event", event, SETTINGS)
    assert run.result.error is not None
    assert run.result.error.code == "PAYLOAD_VALIDATION_FAILED"
    assert "user_id" in run.result.error.message
    assert run.sent() == []
{more}'''
