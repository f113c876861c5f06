"""``python -m framework.cli``: the ``actions`` command."""

import sys

from framework.cli import main

sys.exit(main())
