"""The one place that names the release the book pins: its version, tag and the Colab install line (each notebook's first code cell).

Colab installs the *released* version this book was built from, the git tag ``v<version>``,
never a moving branch, so a notebook and the package it runs stay in step and a course can pin a
version (release procedure: ``RELEASING.md``).
"""
from ._version import __version__ as VERSION

REPOSITORY_URL = "https://github.com/alignbook/alignbook"
TAG = f"v{VERSION}"
INSTALL_URL = f"alignbook @ git+{REPOSITORY_URL}@{TAG}"

INSTALL_CELL = f"""\
# Colab setup: installs the companion package there; a no-op everywhere else.
import sys
if "google.colab" in sys.modules:
    %pip install -q "{INSTALL_URL}\""""
