"""Benchmark suite for smelter_match and its baselines (held-out accuracy, speed, memory, Spark).

Run everything with ``python -m benchmarks.run`` (see ``benchmarks/README.md``). The workload
generators :func:`benchmarks.workloads.make_workload` and
:func:`benchmarks.workloads.make_distinct_workload` are reusable on their own.
"""
