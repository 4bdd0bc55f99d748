"""Experiments: training loops, sweeps and stitching runs that return plain results (one module per chapter topic)."""
