"""Benchmark suite for smelter_match and its baselines (accuracy on the gold sets, speed, memory).

Run everything with ``python -m benchmarks.run`` (see ``benchmarks/README.md``). The workload
generator :func:`benchmarks.workloads.make_workload` is reusable on its own.
"""
