"""The one place that names where Colab installs the package from (the chapters' first cell)."""
REPOSITORY_URL = "https://github.com/alignbook/alignbook"
INSTALL_URL = f"alignbook @ git+{REPOSITORY_URL}@main"
