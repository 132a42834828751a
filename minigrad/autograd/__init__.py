"""Automatic differentiation: the graph, the engine, grad modes and `Function`.

Importing this package also loads the ops, so `minigrad.autograd` works on its own.
"""

from minigrad.autograd import forward_ad as forward_ad
from minigrad.autograd import functional as functional
from minigrad.autograd import profiler as profiler
from minigrad.autograd.engine import BackwardStep, backward, backward_steps, grad
from minigrad.autograd.function import Function, FunctionCtx
from minigrad.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from minigrad.autograd.gradcheck import gradcheck
from minigrad.autograd.gradcheck import gradgradcheck as gradgradcheck
from minigrad.autograd.graph import AccumulateGrad, Node
from minigrad.autograd.variable import Variable

__all__ = ["AccumulateGrad", "BackwardStep", "Function", "FunctionCtx", "Node", "Variable",
           "backward",
           "backward_steps", "enable_grad", "grad", "gradcheck", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled", "no_grad", "set_grad_enabled"]
