"""``python -m benchmarks``: every benchmark into one report and one JSON file
(:mod:`benchmarks.cli`), then how long a stepper page takes to export (:mod:`benchmarks.layout`,
printed only)."""

from . import layout
from .cli import main

raise SystemExit(main() or layout.main([]))
