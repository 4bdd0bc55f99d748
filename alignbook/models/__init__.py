"""Small models: MLPs whose layers the book compares, linear stitchers, and two-tower encoders."""
from .contrastive import TwoTower, symmetric_infonce, train_two_tower  # noqa: F401
from .mlp import MLP, accuracy, train_classifier  # noqa: F401
from .stitch import LinearStitcher, StitchedModel, least_squares_stitcher, train_stitcher  # noqa: F401

__all__ = ["MLP", "accuracy", "train_classifier", "LinearStitcher", "StitchedModel",
           "least_squares_stitcher", "train_stitcher", "TwoTower", "symmetric_infonce", "train_two_tower"]
