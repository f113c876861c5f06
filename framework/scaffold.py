"""``actions init``: scaffold a new destination package with its tests.

The files follow the layout of the built-in destinations: ``destinations/<package>/``
holds the definition (``__init__.py``) and one action (``send_event.py``);
``tests/<package>/`` holds a snapshot test of the request and a validation test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Auth = Literal["none", "custom", "basic"]
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")


@dataclass(frozen=True)
class Names:
    """The spellings of a new destination's name."""

    package: str  # acme_crm
    slug: str  # acme-crm
    title: str  # Acme Crm

    @classmethod
    def of(cls, name: str) -> Names:
        """Names from ``acme-crm`` or ``acme_crm``; a ``ValueError`` says what is wrong."""
        if not _NAME.match(name):
            raise ValueError(
                f"destination name {name!r}: use lowercase letters and digits, words joined "
                "by '-' or '_', starting with a letter (e.g. acme-crm)"
            )
        words = re.split(r"[-_]", name)
        return cls("_".join(words), "-".join(words), " ".join(w.capitalize() for w in words))


def scaffold(root: Path, name: str, auth: Auth) -> list[Path]:
    """Write the new destination's files under ``root``; refuses to overwrite anything."""
    names = Names.of(name)
    files = {
        root / "destinations" / names.package / "__init__.py": _definition(names, auth),
        root / "destinations" / names.package / "send_event.py": _ACTION.format(t=names.title),
        root / "tests" / names.package / f"test_{names.package}.py": _tests(names, auth),
    }
    existing = [str(path) for path in files if path.exists()]
    if existing or (root / "destinations" / names.package).exists():
        raise FileExistsError(f"destination {names.package!r} already exists: {existing}")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)


def _definition(names: Names, auth: Auth) -> str:
    settings, headers, extra_imports, options = _AUTH_PARTS[auth]
    return _DEFINITION.format(
        t=names.title,
        p=names.package,
        s=names.slug,
        settings=settings,
        headers=headers,
        imports=extra_imports,
        options=options,
        framework_names=(
            "Destination, Field, Preset"
            if auth == "none"
            else "AuthenticationTest, Destination, Field, HttpRequest, Preset"
        ),
    )


def _tests(names: Names, auth: Auth) -> str:
    return _TESTS.format(t=names.title, p=names.package, settings=_TEST_SETTINGS[auth])


_DEFINITION = '''"""The {t} destination (scaffolded by `actions init`: make it your own)."""

from __future__ import annotations
{imports}
from destinations.{p}.send_event import send_event
from framework import {framework_names}

SETTINGS: dict[str, Field] = {settings}
{headers}

destination = Destination(
    name="{t}",
    slug="{s}",
    description="Sends track events to {t}.",
    base_url="https://api.{s}.example/v1",
    settings=SETTINGS,
    actions={{"send_event": send_event}},
    presets=[
        Preset(name="Send track events", subscription='type = "track"', action="send_event"),
    ],{options}
)
'''

_CUSTOM_SETTINGS = """{
    "api_key": Field(
        label="API key",
        description="The API key of your account.",
        type="secret",
        required=True,
    ),
}"""

_BASIC_SETTINGS = """{
    "username": Field(
        label="Username",
        description="The user name of your account.",
        required=True,
    ),
    "password": Field(
        label="Password",
        description="The password of your account.",
        type="secret",
        required=True,
    ),
}"""

_AUTH_TEST = '''

def who_am_i(settings: Mapping[str, Any]) -> HttpRequest:
    """The authentication test: a request that only valid credentials can make."""
    return HttpRequest("GET", "/me")
'''

_BEARER = (
    '''

def bearer_token(settings: Mapping[str, Any]) -> dict[str, str]:
    """Every request carries the API key as a bearer token."""
    return {"Authorization": f"Bearer {settings['api_key'].get_secret_value()}"}
'''
    + _AUTH_TEST
)

_BASIC = (
    '''

def basic_credentials(settings: Mapping[str, Any]) -> dict[str, str]:
    """Every request carries HTTP Basic credentials."""
    pair = f"{settings['username']}:{settings['password'].get_secret_value()}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
'''
    + _AUTH_TEST
)

_AUTH_OPTIONS = """
    authentication=AuthenticationTest(
        request=who_am_i,
        failures={{401: "invalid credentials", 403: "invalid credentials"}},
    ),
    extend_request={function},"""

_TYPING = "\nfrom collections.abc import Mapping\nfrom typing import Any\n"

_AUTH_PARTS: dict[Auth, tuple[str, str, str, str]] = {
    "none": ("{}", "", "", ""),
    "custom": (_CUSTOM_SETTINGS, _BEARER, _TYPING, _AUTH_OPTIONS.format(function="bearer_token")),
    "basic": (
        _BASIC_SETTINGS,
        _BASIC,
        "\nimport base64" + _TYPING,
        _AUTH_OPTIONS.format(function="basic_credentials"),
    ),
}

_ACTION = '''"""The "Send Event" action: POST an event's name, user and properties to /events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framework import Action, Field, HttpRequest
from framework.mapping import path

FIELDS = {{
    "user_id": Field(
        label="User ID",
        description="Who did it.",
        required=True,
        default=path("$.userId"),
    ),
    "event_name": Field(
        label="Event name",
        description="What happened.",
        required=True,
        default=path("$.event"),
    ),
    "properties": Field(
        label="Properties",
        description="Details of the event.",
        type="object",
        default=path("$.properties"),
    ),
}}


def build_request(settings: Mapping[str, Any], payload: Mapping[str, Any]) -> HttpRequest:
    """The request for one event."""
    return HttpRequest("POST", "/events", json=dict(payload))


send_event = Action(
    title="Send Event",
    description="Send the event to {t}.",
    fields=FIELDS,
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
'''

_TEST_SETTINGS: dict[Auth, str] = {
    "none": "{}",
    "custom": '{"api_key": "test-api-key"}',
    "basic": '{"username": "test-user", "password": "test-password"}',
}
