"""Real data, offline first.

* :func:`load_digits`: scikit-learn's 8x8 digits (ship in the wheel).
* :func:`load_fashion_mnist`: Fashion-MNIST from Debian's ``dataset-fashion-mnist``, a local
  folder, or a download where the network allows; otherwise a clear error saying how to get it.
"""
from .digits import Split, load_digits, make_split  # noqa: F401
from .synthetic import PopulationBlocks, TwoModalityModel, TwoModalitySample  # noqa: F401


def load_fashion_mnist(*args, **kwargs):
    """Load Fashion-MNIST; see :func:`alignbook.data.fashion_mnist.load_fashion_mnist`."""
    from .fashion_mnist import load_fashion_mnist as _load

    return _load(*args, **kwargs)


__all__ = ["PopulationBlocks", "Split", "TwoModalityModel", "TwoModalitySample", "load_digits", "load_fashion_mnist",
           "make_split"]
