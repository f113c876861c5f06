"""`actions validate` (lint) and `actions docs` (catalog pages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from destinations.perkville import destination as perkville
from framework import Action, FieldSpec, Payload, Preset
from framework.authoring.registry import Registry, discover
from framework.testing import make_test_destination, model_from_fields, post_payload
from framework.tooling.cli import main
from framework.tooling.docs import render_page, stale_pages, supported_methods, write_pages
from framework.tooling.lint import lint_destination, lint_registry

ROOT = Path(__file__).resolve().parents[2]


def action(**fields: FieldSpec) -> dict[str, Action]:
    return {
        "send": Action(
            title="Send",
            description="Send it.",
            payload=model_from_fields(Payload, fields, "SendPayload"),
            perform=post_payload,
            default_subscription='type = "track"',
        )
    }


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        pytest.param(
            {
                "count": FieldSpec(
                    label="Count", description="How many.", type="number", default="x"
                )
            },
            "actions.send.fields.count: default 'x' does not fit: "
            "expected a number, got a non-numeric string",
            id="literal default of the wrong type",
        ),
        pytest.param(
            {"user": FieldSpec(label="User", description="Who.", required=True)},
            "actions.send.fields.user: required, but no default mapping or preset maps it",
            id="required field nothing maps",
        ),
        pytest.param(
            {"on": FieldSpec(label="On", description="Flag.", type="boolean", default=[True])},
            "actions.send.fields.on: default [True] does not fit: expected a boolean, got array",
            id="list for a boolean",
        ),
    ],
)
def test_lint_finds_what_builds_but_would_surprise(
    fields: dict[str, FieldSpec], problem: str
) -> None:
    assert problem in lint_destination(make_test_destination(actions=action(**fields)))


def test_lint_accepts_mapped_defaults_and_presets_that_map_required_fields() -> None:
    fields = {
        "user": FieldSpec(label="User", description="Who.", required=True),
        "email": FieldSpec(label="Email", description="Mail.", default={"@path": "$.email"}),
    }
    preset = Preset(
        name="P",
        subscription='type = "track"',
        action="send",
        mapping={"user": {"@path": "$.userId"}},
    )
    destination = make_test_destination(actions=action(**fields), presets=[preset])
    assert lint_destination(destination) == []


def test_lint_reports_an_unreachable_action() -> None:
    nothing = model_from_fields(Payload, {}, "NoPayload")
    unreachable = {
        "send": Action(title="Send", description="Send it.", payload=nothing, perform=post_payload)
    }
    problems = lint_destination(make_test_destination(actions=unreachable, presets=[]))
    assert problems == ["actions.send: no preset and no default subscription, so it never runs"]


def test_lint_splits_a_broken_definition_into_one_line_per_problem() -> None:
    broken = {
        "plugin x": "INVALID_DEFINITION: destination 'x' is invalid:\n  - name: must not be "
        "empty\n  - actions.a: title must not be empty"
    }
    assert lint_registry(Registry({}, {}, broken)) == [
        "plugin x: name: must not be empty",
        "plugin x: actions.a: title must not be empty",
    ]


def test_the_registered_destinations_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert "perkville" in capsys.readouterr().out


def test_the_perkville_page_is_a_catalog_page() -> None:
    page = render_page(perkville)
    for expected in (
        "# Perkville destination",
        "## Getting started",
        "| `api_key` | API Key | secret | yes | — |",
        "| `send_email` | Send email | boolean | yes | `false` |",
        "| Track | yes |",
        "| Identify | yes, by a preset off by default |",
        "| Page | no |",
        "| Preset | Action | Subscription | On by default |",
        '| Award Points | `award_points` | `type = "track"` | yes |',
        '| Award Perk for Audience | `award_perk_for_audience` | `type = "identify"` | no |',
        "`ACTIONS_ENDPOINT_PERKVILLE`",
        "### Award Points (`award_points`)",
        '| `event_name` | Event name | string | yes | `{"@path": "$.event"}` |',
    ):
        assert expected in page


@pytest.mark.parametrize(
    ("subscription", "methods"),
    [
        ('type = "identify" or type = "page"', {"identify", "page"}),
        ('event = "Signed Up"', {"track", "identify", "page", "screen", "group", "alias"}),
    ],
)
def test_supported_methods_come_from_the_subscriptions(
    subscription: str, methods: set[str]
) -> None:
    preset = Preset(name="P", subscription=subscription, action="send")
    destination = make_test_destination(presets=[preset], action={"default_subscription": None})
    assert supported_methods(destination) == methods


def test_a_method_only_a_preset_off_by_default_selects_is_not_on_by_default() -> None:
    presets = [
        Preset(name="On", subscription='type = "track"', action="send"),
        Preset(
            name="Off", subscription='type = "identify"', action="send", enabled=False, key="off"
        ),
    ]
    destination = make_test_destination(presets=presets, action={"default_subscription": None})
    assert supported_methods(destination) == {"track", "identify"}
    assert supported_methods(destination, by_default=True) == {"track"}
    page = render_page(destination)
    assert "| Track | yes |" in page
    assert "| Identify | yes, by a preset off by default |" in page
    assert '| Off | `send` | `type = "identify"` | no |' in page


def test_the_endpoint_variable_is_named_as_the_command_line_reads_it() -> None:
    page = render_page(make_test_destination(slug="my-dest", base_url="https://x.example"))
    assert "`ACTIONS_ENDPOINT_MY_DEST`" in page


def test_table_cells_escape_pipes() -> None:
    fields = {"a": FieldSpec(label="A | B", description="x|y", default={"@literal": "|"})}
    page = render_page(make_test_destination(actions=action(**fields)))
    assert "| `a` | A \\| B | string | no |" in page
    assert "x\\|y" in page


def test_committed_pages_are_up_to_date() -> None:
    registered = discover().destinations.values()
    assert stale_pages(ROOT / "docs" / "destinations", registered) == []


def test_docs_check_names_stale_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--dir", str(tmp_path)]) == 0
    page = tmp_path / "perkville.md"
    page.write_text(page.read_text() + "edited\n")
    (tmp_path / "gone.md").write_text("old")
    assert main(["docs", "--dir", str(tmp_path), "--check"]) == 1
    err = capsys.readouterr().err
    assert f"{page}: differs from the code" in err
    assert f"{tmp_path / 'gone.md'}: no longer generated" in err
    assert main(["docs", "perkville", "--dir", str(tmp_path)]) == 0
    assert (tmp_path / "gone.md").exists(), "one destination's page leaves the others alone"
    write_pages(tmp_path, [perkville])
    assert not (tmp_path / "gone.md").exists()
