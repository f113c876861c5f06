"""Generated snapshot tests for every action of every registered destination (see
framework.pytest_plugin): ``pytest --snapshot-update tests/generated`` refreshes them."""

from framework.pytest_plugin import generated_snapshot_tests

test_generated = generated_snapshot_tests()
