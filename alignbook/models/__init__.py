"""Small models: MLPs whose layers the book compares (stitchers and two-tower encoders live beside them)."""
from .mlp import MLP, accuracy, train_classifier  # noqa: F401

__all__ = ["MLP", "accuracy", "train_classifier"]
