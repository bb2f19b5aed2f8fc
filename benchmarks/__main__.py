"""``python -m benchmarks``: see :mod:`benchmarks.cli`; then issue 12's scaling table, the
mini-batch fit and the digits (:mod:`benchmarks.scaling`, :mod:`benchmarks.digits`)."""

import sys

from . import digits, scaling
from .cli import main

raise SystemExit(main() or scaling.main([]) or digits.main(sys.argv[1:]))
