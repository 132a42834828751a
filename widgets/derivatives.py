"""What each kind of backward node computes: the local derivative shown in the stepper's panel.

Formulas are code and read the same in every language; a text in words is written as
`@message_id` and `local_derivative` gives it in the current language.

Keyed by the node's name (`SinBackward0`), with the names PyTorch gives to its inputs and
saved values (`self`, `other`, `result`), so the text matches `node._saved_self` and friends.
`grad` is the gradient that arrived at the node: the derivative of the loss with respect
to the node's output.
"""

from __future__ import annotations

from dataclasses import dataclass

from widgets.i18n import text

__all__ = ["LOCAL_DERIVATIVES", "LocalDerivative", "local_derivative", "sends_to"]


@dataclass(frozen=True)
class LocalDerivative:
    """The forward op in words and, for each input, the gradient the node sends it."""

    forward: str
    sends: tuple[str, ...]


def _entry(forward: str, *sends: str) -> LocalDerivative:
    return LocalDerivative(forward, sends)


_RESHAPES = "@rule.reshaped"

LOCAL_DERIVATIVES: dict[str, LocalDerivative] = {
    "AccumulateGrad": _entry("@rule.leaf", "variable.grad += grad"),
    "AddBackward0": _entry("result = self + alpha * other", "grad", "grad * alpha"),
    "SubBackward0": _entry("result = self - alpha * other", "grad", "-grad * alpha"),
    "RsubBackward1": _entry("result = other - alpha * self", "-grad * alpha"),
    "MulBackward0": _entry("result = self * other", "grad * other", "grad * self"),
    "DivBackward0": _entry("result = self / other", "grad / other", "-grad * self / other²"),
    "NegBackward0": _entry("result = -self", "-grad"),
    "PowBackward0": _entry("result = self ** exponent", "grad * exponent * self ** (exponent - 1)"),
    "PowBackward1": _entry("result = self ** exponent", "grad * exponent * self ** (exponent - 1)",
                          "grad * result * log(self)"),
    "SinBackward0": _entry("result = sin(self)", "grad * cos(self)"),
    "CosBackward0": _entry("result = cos(self)", "-grad * sin(self)"),
    "TanBackward0": _entry("result = tan(self)", "grad * (1 + result²)"),
    "ExpBackward0": _entry("result = exp(self)", "grad * result"),
    "LogBackward0": _entry("result = log(self)", "grad / self"),
    "SqrtBackward0": _entry("result = sqrt(self)", "grad / (2 * result)"),
    "AbsBackward0": _entry("result = |self|", "grad * sign(self)"),
    "TanhBackward0": _entry("result = tanh(self)", "grad * (1 - result²)"),
    "SigmoidBackward0": _entry("result = sigmoid(self)", "grad * result * (1 - result)"),
    "ReluBackward0": _entry("result = relu(self)", "grad * (result > 0)"),
    "SumBackward0": _entry("result = self.sum()", "@rule.sum_all"),
    "SumBackward1": _entry("result = self.sum(dim)", "@rule.sum_dims"),
    "MeanBackward0": _entry("result = self.mean()", "@rule.mean_all"),
    "MeanBackward1": _entry("result = self.mean(dim)", "@rule.mean_dims"),
    "MmBackward0": _entry("result = self @ mat2", "grad @ mat2ᵀ", "selfᵀ @ grad"),
    "MvBackward0": _entry("result = self @ vec", "outer(grad, vec)", "selfᵀ @ grad"),
    "DotBackward0": _entry("result = self · tensor", "grad * tensor", "grad * self"),
    "AddmmBackward0": _entry("@rule.linear",
                            "@rule.bias",
                            "alpha * grad @ mat2ᵀ", "alpha * mat1ᵀ @ grad"),
    "TBackward0": _entry("result = selfᵀ", "gradᵀ"),
    "TransposeBackward0": _entry("result = self.transpose(dim0, dim1)",
                                "@rule.transposed"),
    "PermuteBackward0": _entry("result = self.permute(dims)", "@rule.permuted"),
    "ViewBackward0": _entry("result = self.view(shape)", _RESHAPES),
    "ReshapeAliasBackward0": _entry("result = self.reshape(shape)", _RESHAPES),
    "UnsqueezeBackward0": _entry("result = self.unsqueeze(dim)", _RESHAPES),
    "SqueezeBackward0": _entry("result = self.squeeze()", _RESHAPES),
    "SqueezeBackward1": _entry("result = self.squeeze(dim)", _RESHAPES),
    "ExpandBackward0": _entry("result = self.expand(size)",
                             "@rule.expanded"),
    "SelectBackward0": _entry("result = self[index]",
                             "@rule.select"),
    "SliceBackward0": _entry("result = self[start:end]",
                            "@rule.slice"),
    "IndexBackward0": _entry("result = self[indices]",
                            "@rule.index"),
    "CloneBackward0": _entry("result = self.clone()", "grad"),
    "ToCopyBackward0": _entry("result = self.to(dtype)", "@rule.cast"),
    "CatBackward0": _entry("result = cat(tensors)", "@rule.slice_of_grad"),
    "StackBackward0": _entry("result = stack(tensors)", "@rule.slice_of_grad"),
    "MaximumBackward0": _entry("result = maximum(self, other)", "@rule.self_larger",
                              "@rule.other_larger"),
    "SoftmaxBackward0": _entry("result = softmax(self, dim)",
                              "result * (grad - (grad * result).sum(dim))"),
    "LogSoftmaxBackward0": _entry("result = log_softmax(self, dim)",
                                 "grad - exp(result) * grad.sum(dim)"),
}

GENERIC = LocalDerivative(
    "@rule.unknown_op",
    ("@rule.generic",),
)


def _in_words(entry: str) -> str:
    return text(entry[1:]) if entry.startswith("@") else entry


def local_derivative(name: str) -> LocalDerivative:
    """The local derivative of a node kind (generic for kinds not in the table), in the language
    set by `widgets.set_language`."""
    entry = LOCAL_DERIVATIVES.get(name.rsplit("::", 1)[-1], GENERIC)
    return LocalDerivative(_in_words(entry.forward), tuple(map(_in_words, entry.sends)))


def sends_to(derivative: LocalDerivative, input_nr: int) -> str:
    """The gradient a node sends to input `input_nr` (the generic text when not listed)."""
    if input_nr < len(derivative.sends):
        return derivative.sends[input_nr]
    return _in_words(GENERIC.sends[0])
