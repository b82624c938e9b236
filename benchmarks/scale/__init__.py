"""Benchmarks that answer: scale."""
