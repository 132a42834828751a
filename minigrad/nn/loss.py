"""Loss modules: `MSELoss` for regression, `CrossEntropyLoss` for classification."""

from __future__ import annotations

from minigrad._tensor import Tensor
from minigrad.nn import functional as F
from minigrad.nn.module import Module

__all__ = ["CrossEntropyLoss", "MSELoss"]


class MSELoss(Module):
    """The mean (or sum, or each) of the squared differences between prediction and target."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The squared error of `input` against `target`."""
        return F.mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(Module):
    """How unlikely the scores (logits) make each target class: `nll_loss` of `log_softmax`.

    Targets are class indices; `weight` rescales each class and targets equal
    to `ignore_index` count for nothing.
    """

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The cross-entropy of the scores `input` against the class indices `target`."""
        return F.cross_entropy(input, target, weight=self.weight,
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)
