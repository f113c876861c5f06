"""The project's name and version, as sent in ``User-Agent``."""

from importlib.metadata import PackageNotFoundError, version

PROJECT_NAME = "destination-actions"

try:
    VERSION = version(PROJECT_NAME)
except PackageNotFoundError:  # running from a source tree that was never installed
    VERSION = "0.0.0"

USER_AGENT = f"{PROJECT_NAME}/{VERSION}"
