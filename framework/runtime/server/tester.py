"""The event tester: one event through every subscription of a destination, as a dry run.

For each subscription: whether it matches; if it does, the payload the mapping resolves to
(before validation) and the runner's result: the exact request that would be sent, or the
coded error. A preset off by default runs only when the mappings name its action, as with
``actions send --mapping``; otherwise it is listed as not enabled. When nothing runs, the
reason ``actions send`` reports for the skip is given. Where the event departs from
Segment's spec for its type, the problems are reported too, but the event is still run, as
``actions send`` would run it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framework.authoring.definition import Destination
from framework.authoring.event_schemas import event_problems
from framework.core.errors import ActionsError
from framework.core.events import with_message_id
from framework.engine.execute import ActionSubscription, DestinationRunner
from framework.languages.fql import compile_subscription
from framework.languages.mapping import MISSING, compile_mapping
from framework.runtime.server.catalog import off_presets, tester_subscriptions


def dry_run(
    runner: DestinationRunner,
    destination: Destination,
    mappings: Mapping[str, Mapping[str, Any]],
    event: dict[str, Any],
) -> dict[str, Any]:
    """``{"event_problems": [...], "results": [...], "skipped": reason or None}``: one
    result per subscription run (``enabled``), then one (not enabled, never matched) per
    preset off by default that ``mappings`` leave off and per action nothing runs.
    ``runner`` has no subscriptions of its own
    (:func:`~framework.runtime.server.checks.open_runner`), so its ``process`` reports the
    skip of an event that no subscription run matches."""
    event = with_message_id(event)
    subscriptions = tester_subscriptions(destination, mappings)
    results = [_outcome(runner, destination, subscription, event) for subscription in subscriptions]
    covered = {subscription.action for subscription in subscriptions}
    for slug in destination.actions:
        if slug not in covered:
            results += _not_enabled(destination, slug)
    skipped = None
    if not any(result["matched"] for result in results):
        [skip] = runner.process(event)
        skipped = skip.reason
    problems = [
        {"location": problem.location, "message": problem.message}
        for problem in event_problems(event)
    ]
    return {"event_problems": problems, "results": results, "skipped": skipped}


def _not_enabled(destination: Destination, slug: str) -> list[dict[str, Any]]:
    """The entries of an action that does not run: one per preset of it that is off by
    default, or one without a subscription when it has none."""
    named: list[tuple[str | None, str | None]] = [
        (p.name, p.subscription) for p in off_presets(destination, slug)
    ]
    return [
        {"name": name, "action": slug, "subscription": when, "matched": False, "enabled": False}
        for name, when in named or [(None, None)]
    ]


def _outcome(
    runner: DestinationRunner,
    destination: Destination,
    subscription: ActionSubscription,
    event: dict[str, Any],
) -> dict[str, Any]:
    matched = compile_subscription(subscription.subscription).matches(event)
    outcome: dict[str, Any] = {
        "name": subscription.name,
        "action": subscription.action,
        "subscription": subscription.subscription,
        "matched": matched,
        "enabled": True,
    }
    if matched:
        resolved = _resolved(destination, subscription, event)
        outcome["payload"] = runner.redactor.value(resolved)
        result = runner.run_action(subscription.action, event, subscription.mapping)
        outcome.update(result.to_json())
    return outcome


def _resolved(
    destination: Destination, subscription: ActionSubscription, event: dict[str, Any]
) -> Any:
    """What the action's merged mapping resolves to for ``event``; None when it cannot be
    resolved (the runner's result then carries the coded error)."""
    fields = destination.actions[subscription.action].fields
    merged = {name: spec.default for name, spec in fields.items() if spec.default is not MISSING}
    merged.update(subscription.mapping)
    try:
        return compile_mapping(merged)(event)
    except ActionsError:
        return None
