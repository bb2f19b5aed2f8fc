"""``python -m benchmarks``: every benchmark, one report, one JSON file (:mod:`benchmarks.cli`)."""

from .cli import main

raise SystemExit(main())
