"""The suite does not flake on a busy machine: no property test has a wall-clock deadline
or fails a health check for generating its data slowly (the profile tests/conftest.py
loads), and waits are bounded only by a hang guard."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, is_hypothesis_test, settings
from hypothesis import strategies as st

from tests.waiting import wait_for


def test_the_default_profile_has_no_deadline_and_allows_slow_data() -> None:
    assert settings.default.deadline is None
    assert HealthCheck.too_slow in settings.default.suppress_health_check


@settings(max_examples=5)  # settings of its own, as most property tests have
@given(st.integers())
def test_a_property_test_with_settings_of_its_own(number: int) -> None:
    assert isinstance(number, int)


def test_no_property_test_of_the_run_has_a_deadline(request: pytest.FixtureRequest) -> None:
    properties = {
        item.nodeid: item.obj._hypothesis_internal_use_settings  # what @given runs it with
        for item in request.session.items
        if isinstance(item, pytest.Function) and is_hypothesis_test(item.obj)
    }
    assert any(
        name.endswith("test_a_property_test_with_settings_of_its_own") for name in properties
    )
    with_deadline = {name: s.deadline for name, s in properties.items() if s.deadline is not None}
    assert with_deadline == {}
    too_slow_fails = [
        name
        for name, s in properties.items()
        if HealthCheck.too_slow not in s.suppress_health_check
    ]
    assert too_slow_fails == []


def test_a_wait_returns_at_the_first_look_its_condition_holds() -> None:
    looks: list[None] = []

    def done() -> bool:
        looks.append(None)
        return len(looks) == 3

    wait_for(done, what="the third look")
    assert len(looks) == 3


def test_a_wait_that_never_ends_fails_naming_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match="gave up waiting for the impossible after 0 s"):
        wait_for(lambda: False, seconds=0, what="the impossible")
