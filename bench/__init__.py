"""Benchmarks, run as scripts (make bench); the web benchmark's HTTP client serves the fault test."""
