"""A benchmark anyone can rerun: ``python -m benchmarks`` (or ``make bench``).

One process, identical weights and data for every engine:

* the eager demo step: this engine vs micrograd vs PyTorch 0-d tensors;
* the compiled step (``compile_graph``) vs PyTorch vectorized (float64, one thread);
* bytes per graph node while a loss graph is alive (tracemalloc), vs micrograd;
* backward over a deep chain (1,000,000 nodes): time and peak memory;
* what re-checking guards costs a compiled step (a model with a Python branch per
  relu, 3,300 guards), and the eager step in fresh processes after ``detect_anomaly()`` was
  on and off again vs never.

It prints a table of medians and ratios and writes everything as JSON. micrograd comes with
the ``bench`` extra; PyTorch is used when it is importable. A peer that is missing is
skipped, and the report says so. Benchmarks are never tests: nothing here can fail because
a machine is slow.
"""
