"""pytest plugin: generated snapshot tests for every action of every registered destination.

Installed with the framework as a ``pytest11`` entry point, so any project that installs
the framework has it. It generates nothing until a test module opts in with one line::

    from framework.testing.pytest_plugin import generated_snapshot_tests

    test_generated = generated_snapshot_tests()  # every registered destination

A package of destinations built on the framework selects its own::

    test_generated = generated_snapshot_tests(packages=["acme_destinations"])
    test_generated = generated_snapshot_tests("newsletter", "crm")  # or by slug

The test is parametrized when the module is collected (destinations are discovered once per
session, with :func:`framework.authoring.registry.discover`): one test per destination, action and
variant, with ids such as ``perkville-award_points-required`` and
``perkville-award_points-all``. Each one:

1. builds a sample with :func:`framework.authoring.sample_data.build_sample`, applying the
   destination's ``sample`` hook: generated settings, an event the default
   mappings resolve from (checked field by field) and a user mapping for the rest;
2. runs the action on it with :class:`framework.testing.CapturingTransport`, the address
   guard allowing any target so that it does not resolve the generated host names:
   nothing touches the network;
3. requires it to be delivered, with no secret setting showing in what was sent;
4. compares the requests sent (method, URL, headers with secrets redacted, JSON body) with
   a syrupy JSON snapshot in ``__snapshots__/`` next to the test module. Create or refresh
   the snapshots with ``pytest --snapshot-update``.

With plugin autoloading disabled (``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1``), load it with
``-p framework.testing.pytest_plugin``.

The function returned is marked ``generated_snapshots(*slugs, packages=())`` and takes the
``generated_case`` parameter; any test function with that marker and parameter is
parametrized the same way, for projects that want their own assertions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

    from framework.authoring.definition import Destination
    from framework.authoring.sample_data import Variant

MARKER = "generated_snapshots"
CASE_PARAMETER = "generated_case"
# framework.core.guard's operator switch: with it, tenant URLs are not resolved before sending.

_REGISTERED = pytest.StashKey[dict[str, "Destination"]]()


@dataclass(frozen=True)
class GeneratedCase:
    """One generated test: a destination, one of its actions and a variant."""

    destination: Destination
    action: str
    variant: Variant

    @property
    def id(self) -> str:
        """The test id: ``<slug>-<action>-<variant>``."""
        return f"{self.destination.slug}-{self.action}-{self.variant}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*slugs, packages=()): parametrize the test's '{CASE_PARAMETER}' with "
        "every action and variant of the registered destinations (framework.testing.pytest_plugin)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None or CASE_PARAMETER not in metafunc.fixturenames:
        return
    cases = generated_cases(
        _registered(metafunc.config),
        slugs=marker.args,
        packages=marker.kwargs.get("packages", ()),
    )
    metafunc.parametrize(CASE_PARAMETER, cases, ids=[case.id for case in cases])


def _registered(config: pytest.Config) -> dict[str, Destination]:
    """The registered destinations, discovered once per session."""
    if _REGISTERED not in config.stash:
        from framework.authoring import registry  # noqa: PLC0415 (keeps loading the plugin cheap)

        config.stash[_REGISTERED] = dict(registry.discover().destinations)
    return config.stash[_REGISTERED]


def generated_cases(
    registered: Mapping[str, Destination],
    *,
    slugs: Iterable[str] = (),
    packages: Iterable[str] = (),
) -> list[GeneratedCase]:
    """The cases for the selected destinations (all of them when nothing is selected), in
    slug order, each action in declaration order, ``required`` then ``all``.

    ``slugs`` names destinations; ``packages`` keeps those defined in one of these packages
    (the module of its settings class is the package or inside it). A selection that
    matches nothing is an error, so a misspelt name cannot pass as an empty test run."""
    from framework.authoring.sample_data import VARIANTS  # noqa: PLC0415

    slugs, packages = list(slugs), list(packages)
    unknown = [slug for slug in slugs if slug not in registered]
    if unknown:
        known = ", ".join(sorted(registered)) or "none"
        raise ValueError(f"{MARKER}: no registered destination {unknown} (registered: {known})")
    chosen = [registered[slug] for slug in sorted(slugs or registered)]
    if packages:
        chosen = [
            destination
            for destination in chosen
            if any(_inside(destination.settings.__module__, package) for package in packages)
        ]
    if not chosen:
        raise ValueError(
            f"{MARKER}: no registered destination is selected (slugs={slugs}, "
            f"packages={packages}, registered: {', '.join(sorted(registered)) or 'none'})"
        )
    return [
        GeneratedCase(destination, action, variant)
        for destination in chosen
        for action in destination.actions
        for variant in VARIANTS
    ]


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def run_generated_case(case: GeneratedCase) -> list[dict[str, Any]]:
    """Build the case's sample, run the action on it and return the requests sent
    (redacted), after checking that it was delivered and that no secret shows."""
    from framework.authoring.sample_data import build_sample  # noqa: PLC0415
    from framework.testing import CapturingTransport, run_action  # noqa: PLC0415

    destination = case.destination
    sample = build_sample(destination, case.action, case.variant)
    # No generated test touches the network: requests go to the capturing transport, and
    # the address guard is told not to resolve the generated (example.*) host names.
    run = run_action(
        destination,
        case.action,
        sample.event,
        sample.settings,
        mapping=sample.mapping,
        transport=CapturingTransport(),
        allow_private_targets=True,
    )
    assert run.result.status == "delivered", (
        f"{case.id}: {run.result.status}: {run.result.error}\n"
        f"settings: {sample.settings}\nevent: {sample.event}\nmapping: {sample.mapping}"
    )
    sent = run.sent()
    assert sent, f"{case.id}: the action was delivered but sent no request"
    shown = repr(sent)
    for secret in _secrets(destination, sample.settings):
        assert secret not in shown, f"{case.id}: a secret setting shows in the request"
    return sent


def _secrets(destination: Destination, settings: Mapping[str, Any]) -> list[str]:
    from framework.authoring.settings import secret_values, validate_settings  # noqa: PLC0415

    return secret_values(validate_settings(destination, settings))


def generated_snapshot_tests(
    *slugs: str, packages: Sequence[str] = ()
) -> Callable[[GeneratedCase, SnapshotAssertion, pytest.FixtureRequest], None]:
    """A test function to assign to a ``test_*`` name in a test module: one generated
    snapshot test per action and variant of the selected registered destinations (every
    one when neither ``slugs`` nor ``packages`` is given)."""

    def test_generated(
        generated_case: GeneratedCase, snapshot: SnapshotAssertion, request: pytest.FixtureRequest
    ) -> None:
        from syrupy.extensions.json import JSONSnapshotExtension  # noqa: PLC0415

        sent = run_generated_case(generated_case)
        recorded = snapshot.use_extension(JSONSnapshotExtension)
        matched = recorded == sent
        if not matched:
            # This module is imported as a plugin, so its asserts are not rewritten: ask for
            # the explanation (syrupy's diff) a rewritten ``assert`` would show.
            config = request.config
            explained = config.hook.pytest_assertrepr_compare(
                config=config, op="==", left=recorded, right=sent
            )
            diff = "\n".join(next((lines for lines in explained if lines), []))
            pytest.fail(
                f"{generated_case.id}: the requests sent differ from the snapshot "
                f"(pytest --snapshot-update records them)\n{diff}",
                pytrace=False,
            )

    mark = getattr(pytest.mark, MARKER)(*slugs, packages=tuple(packages))
    marked: Callable[[GeneratedCase, SnapshotAssertion, pytest.FixtureRequest], None] = mark(
        test_generated
    )
    return marked
