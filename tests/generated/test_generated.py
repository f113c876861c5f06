"""Generated snapshot tests for every action of every registered destination (see
framework.testing.pytest_plugin): ``pytest --snapshot-update tests/generated`` refreshes them."""

from framework.testing.pytest_plugin import generated_snapshot_tests

test_generated = generated_snapshot_tests()
