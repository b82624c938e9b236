"""Benchmarks that answer: speed."""
