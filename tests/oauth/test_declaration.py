"""A destination's OAuth2 declaration is checked when it is built: each mistake, of value
or of type, is a DefinitionError naming the attribute, never a traceback at first use."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from destinations.perkville import destination as perkville
from framework import DefinitionError, Destination

assert perkville.oauth is not None
GOOD = perkville.oauth


def _declare(**changes: Any) -> Destination:
    return replace(perkville, oauth=replace(GOOD, **changes))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"authorize_url": "www.perkville.com/api/authorize/"},
            "oauth.authorize_url: expected an absolute",
        ),
        ({"token_url": None}, "oauth.token_url: expected text, got NoneType"),
        (
            {"token_setting": "business_id"},
            "'business_id' is not a secret setting (secret settings: api_key)",
        ),
        ({"label": " "}, "oauth.label: must not be empty"),
        ({"label": None}, "oauth.label: expected text, got NoneType"),
        ({"refresh_margin": "60"}, "oauth.refresh_margin: expected seconds"),
        ({"refresh_margin": -1}, "oauth.refresh_margin: expected seconds"),
        ({"scopes": "PUBLIC ADMIN_PERK"}, "oauth.scopes: expected a list of scope names"),
        ({"scopes": None}, "oauth.scopes: expected a list of scope names"),
        ({"client_auth": "header"}, "oauth.client_auth: expected 'body' or 'basic'"),
    ],
)
def test_a_bad_declaration_is_a_definition_error(changes: dict[str, Any], expected: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        _declare(**changes)
    assert expected in raised.value.message


def test_perkvilles_declaration_is_valid() -> None:
    assert _declare().oauth == GOOD
