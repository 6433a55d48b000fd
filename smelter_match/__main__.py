"""``python -m smelter_match`` runs the command line."""

from smelter_match.cli import main

raise SystemExit(main())
