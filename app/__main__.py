"""`python -m app` runs the command-line entry."""

from app.cli import main

raise SystemExit(main())
