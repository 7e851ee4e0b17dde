"""``python -m offscreen_isf`` runs the command line (the same as ``offscreen-isf``)."""

from offscreen_isf.farm.cli import main

raise SystemExit(main())
