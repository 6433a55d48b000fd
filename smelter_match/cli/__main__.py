"""``python -m smelter_match.cli`` runs the command line."""

from smelter_match.cli.app import main

raise SystemExit(main())
