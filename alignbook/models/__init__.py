"""Small models: MLPs whose layers the book compares, linear stitchers, two-tower encoders, and the one training loop."""
from .contrastive import TwoTower, symmetric_infonce_loss, train_two_tower  # noqa: F401
from .mlp import MLP, accuracy, train_classifier  # noqa: F401
from .stitch import (  # noqa: F401
    LinearStitcher,
    StitchedModel,
    least_squares_stitcher,
    stitch_residual,
    train_stitcher,
)
from .training import reset_parameters, train_loop  # noqa: F401

__all__ = ["MLP", "accuracy", "train_classifier", "LinearStitcher", "StitchedModel", "least_squares_stitcher",
           "stitch_residual", "train_stitcher", "TwoTower", "symmetric_infonce_loss", "train_two_tower",
           "reset_parameters", "train_loop"]
