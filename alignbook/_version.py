"""The package version, named once (``pyproject.toml`` repeats it; ``tests/test_pairing.py`` checks both)."""
__version__ = "0.2.0"
