"""Figures from results, one module per chapter topic; every figure has labelled axes."""
