"""Benchmarks: data generators and timed scenarios, run by `bench/run` (never as tests)."""
