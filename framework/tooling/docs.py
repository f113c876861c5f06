"""``actions docs``: a Markdown catalog page per destination, generated from its definition.

Pages are deterministic and live under ``docs/destinations/<slug>.md``; ``--check`` fails
naming every page that is missing, stale or no longer generated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from framework.authoring.definition import Action, Destination
from framework.authoring.fields import FieldSpec
from framework.engine.operator import endpoint_variable
from framework.languages.mapping import MISSING

METHODS = ("track", "identify", "page", "screen", "group", "alias")
_TYPE_CONDITION = re.compile(r'\btype\s*=\s*"(\w+)"')


def render_page(destination: Destination) -> str:
    """The Markdown page of one destination."""
    lines = [f"# {destination.name} destination", "", _one_line(destination.description), ""]
    lines += _getting_started(destination)
    lines += ["## Settings", "", *_settings_table(destination), ""]
    lines += ["## Supported methods", "", *_methods_table(destination), ""]
    lines += ["## Presets", "", *_presets_table(destination), ""]
    lines += ["## Actions", ""]
    for slug, action in destination.actions.items():
        lines += _action_section(slug, action)
    return "\n".join(lines).rstrip() + "\n"


def _getting_started(destination: Destination) -> list[str]:
    slug = destination.slug
    steps = [
        "## Getting started",
        "",
        "1. Write the settings below in a JSON file (its JSON Schema is "
        f"`schemas/destinations/{slug}/settings.schema.json`).",
    ]
    if destination.authentication is not None:
        steps.append(
            f"1. Check the connection: `actions test-auth {slug} --settings settings.json`."
        )
    steps.append(
        f"1. Send events: `actions send {slug} --settings settings.json events.ndjson` "
        "(add `--dry-run --json` to see the requests without sending them). The presets "
        "below decide which actions run."
    )
    if destination.base_url:
        variable = endpoint_variable(slug)
        steps.append(
            f"1. Requests go to `{destination.base_url}`; an operator can point them "
            f"elsewhere with `--endpoint URL` or `{variable}`."
        )
    return [*steps, ""]


def _settings_table(destination: Destination) -> list[str]:
    if not destination.setting_fields:
        return ["This destination has no settings."]
    return _fields_table(destination.setting_fields, "Setting", "Default")


def _methods_table(destination: Destination) -> list[str]:
    methods = supported_methods(destination)
    on = supported_methods(destination, by_default=True)
    rows = ["| Method | Supported |", "|---|---|"]
    return rows + [
        _row(method.capitalize(), _supported(method in methods, method in on)) for method in METHODS
    ]


def _supported(selected: bool, on_by_default: bool) -> str:
    if selected and not on_by_default:
        return "yes, by a preset off by default"
    return _yes(selected)


def supported_methods(destination: Destination, *, by_default: bool = False) -> set[str]:
    """The event types the presets and default subscriptions select (all of them when a
    subscription does not name a type). ``by_default``: only those selected without the
    user enabling anything, i.e. by presets on by default and by the default subscriptions
    of actions that no preset covers."""
    covered = {preset.action for preset in destination.presets}
    subscriptions = [
        preset.subscription for preset in destination.presets if preset.enabled or not by_default
    ] + [
        action.default_subscription
        for slug, action in destination.actions.items()
        if action.default_subscription and (slug not in covered or not by_default)
    ]
    methods: set[str] = set()
    for subscription in subscriptions:
        named = set(_TYPE_CONDITION.findall(subscription))
        methods |= named if named else set(METHODS)
    return methods


def _presets_table(destination: Destination) -> list[str]:
    if not destination.presets:
        return ["This destination has no presets."]
    rows = ["| Preset | Action | Subscription | On by default |", "|---|---|---|---|"]
    return rows + [
        _row(preset.name, f"`{preset.action}`", f"`{preset.subscription}`", _yes(preset.enabled))
        for preset in destination.presets
    ]


def _action_section(slug: str, action: Action) -> list[str]:
    lines = [f"### {action.title} (`{slug}`)", "", _one_line(action.description), ""]
    if action.default_subscription:
        lines += [f"Default subscription: `{action.default_subscription}`", ""]
    return [*lines, *_fields_table(action.fields, "Field", "Default mapping"), ""]


def _fields_table(fields: Mapping[str, FieldSpec], noun: str, default: str) -> list[str]:
    """One row per field: name, label, type, required, default (value or mapping), help."""
    rows = [f"| {noun} | Label | Type | Required | {default} | Description |", "|---" * 6 + "|"]
    for name, spec in fields.items():
        shown = "—" if spec.default is MISSING else f"`{_compact(spec.default)}`"
        rows.append(
            _row(f"`{name}`", spec.label, _type(spec), _yes(spec.required), shown, spec.description)
        )
    return rows


def _type(spec: FieldSpec) -> str:
    kind: str = spec.type
    if spec.values is not None:
        kind = f"object of {spec.values}"
    if spec.format:
        kind = f"{kind} ({spec.format})"
    if spec.choices:
        kind += ": " + ", ".join(f"`{choice.value}`" for choice in spec.choices)
    if spec.multiple:
        kind = f"list of {kind}"
    return f"{kind} or null" if spec.allow_null else kind


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(", ", ": "))


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _row(*cells: str) -> str:
    return "| " + " | ".join(_one_line(cell).replace("|", "\\|") for cell in cells) + " |"


def write_pages(
    root: Path, destinations: Iterable[Destination], *, prune: bool = True
) -> list[Path]:
    """Write the pages under ``root``; with ``prune``, remove pages no longer generated."""
    pages = {f"{d.slug}.md": render_page(d) for d in destinations}
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("*.md"):
        if prune and old.name not in pages:
            old.unlink()
    written = []
    for name, text in pages.items():
        (root / name).write_text(text, encoding="utf-8")
        written.append(root / name)
    return written


def stale_pages(
    root: Path, destinations: Iterable[Destination], *, prune: bool = True
) -> list[str]:
    """One line per page that is missing or different (with ``prune``, also per page
    under ``root`` that is no longer generated)."""
    pages = {f"{d.slug}.md": render_page(d) for d in destinations}
    problems = []
    for name, text in pages.items():
        path = root / name
        if not path.exists():
            problems.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path}: differs from the code")
    if prune:
        problems += [
            f"{old}: no longer generated"
            for old in sorted(root.glob("*.md"))
            if old.name not in pages
        ]
    return problems
