"""``python -m framework.tooling.cli``: the ``actions`` command."""

import sys

from framework.tooling.cli import main

sys.exit(main())
