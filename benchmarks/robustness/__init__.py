"""Benchmarks that answer: robustness."""
