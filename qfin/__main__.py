"""``python -m qfin`` runs the ``qfin`` command."""

import sys

from qfin.cli import main

sys.exit(main())
