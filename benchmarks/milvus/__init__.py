"""Benchmarks that answer: milvus."""
