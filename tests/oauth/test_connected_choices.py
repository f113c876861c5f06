"""A field's choices listed over an OAuth connection: the token the API refuses is
refreshed once and the listing goes on."""

from __future__ import annotations

from pathlib import Path

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from framework.engine.choices import list_choices
from tests.delivery.support import SETTINGS
from tests.oauth.support import connect, sandbox_operator


def test_choices_are_listed_with_a_refreshed_token(tmp_path: Path) -> None:
    with PerkvilleSandbox(SETTINGS, page_size=1) as sandbox:
        operator = sandbox_operator(sandbox, tmp_path)
        settings = {**SETTINGS, "api_key": connect(operator)}
        sandbox.oauth.expire_access_tokens()
        perks = list_choices(perkville, settings, "event_to_perk_map", operator=operator)
        grants = sandbox.oauth.grants()
    assert [perk["value"] for perk in perks] == ["555", "123456"]
    assert grants == {"authorization_code": 1, "refresh_token": 1}
