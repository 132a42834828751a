"""Jupyter widgets for minigrad: draw the backward graph and step through the backward pass.

    import widgets
    widgets.draw(loss, names=model.named_parameters())   # the graph, from the public API
    widgets.BackwardStepper(loss)                         # the real engine, node by node
    widgets.GraphView(d)                                  # walk next_functions by hand
    widgets.check.gradient(x.grad, expected, of=x)        # exercise checks that explain
    widgets.set_language("zh")                            # every widget and check text in Chinese
"""

from widgets import check
from widgets.derivatives import LOCAL_DERIVATIVES, LocalDerivative, local_derivative
from widgets.graph import draw, saved_values, trace
from widgets.graph_view import GraphView
from widgets.i18n import get_language, set_language
from widgets.plots import LossPlot, plot_function_and_derivative, plot_grad_magnitudes
from widgets.render import GraphDrawing, GraphvizMissingError, svg_from_dot
from widgets.stepper import BackwardStepper

__all__ = ["LOCAL_DERIVATIVES", "BackwardStepper", "GraphDrawing", "GraphView",
           "GraphvizMissingError", "LocalDerivative", "LossPlot", "check", "draw",
           "get_language", "local_derivative", "plot_function_and_derivative",
           "plot_grad_magnitudes", "saved_values", "set_language", "svg_from_dot", "trace"]
