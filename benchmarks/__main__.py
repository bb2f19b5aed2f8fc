"""``python -m benchmarks``: see :mod:`benchmarks.cli`; then the scaling table, the
mini-batch fit and the digits (:mod:`benchmarks.scaling`, :mod:`benchmarks.digits`), and how long
a stepper page takes to export (:mod:`benchmarks.layout`)."""

import sys

from . import digits, layout, scaling
from .cli import main

raise SystemExit(main() or scaling.main([]) or digits.main(sys.argv[1:]) or layout.main([]))
