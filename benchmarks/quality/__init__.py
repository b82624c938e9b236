"""Benchmarks that answer: quality."""
