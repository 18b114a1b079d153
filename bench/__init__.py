"""Rebound's benchmarks: each figure is a count or a ratio against a reference measured in the same run."""
