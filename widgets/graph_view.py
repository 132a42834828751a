"""`GraphView`: walk a graph's `next_functions` by hand, as the tutorial drills into `d.grad_fn`.

Pick a node from the dropdown, or follow one of its `next_functions` with the buttons, to
see its class name, the Python expression that reaches it, its `next_functions` and its
saved tensors; the node is highlighted in the drawing.

Why a dropdown and not a click on the drawing: an SVG inside `ipywidgets.HTML` cannot
call back into Python. A custom front-end widget (anywidget) could, at the price of
JavaScript to maintain and one more dependency; a dropdown and buttons work in every
front end, under nbval, and in plain pytest (`.value = ...`, `.click()`).
"""

from __future__ import annotations

import html
from collections import deque
from typing import Any

import ipywidgets as ipw

from widgets.graph import (
    DEFAULT_MAX_NODES,
    Box,
    Names,
    is_leaf_node,
    is_tensor,
    name_pairs,
    node_name,
    saved_values,
    to_digraph,
    trace,
)
from widgets.i18n import text
from widgets.render import png_from_dot, svg_width_px, widget_bundle
from widgets.style import CURRENT_STYLE, PANEL_CSS
from widgets.tensor_text import range_text, shape_text, values_text

__all__ = ["GraphView"]

# Paths deeper than this are shortened: repeated hops are written once with a count.
_SPELLED_OUT_DEPTH = 6


class GraphView(ipw.VBox):
    """A drawing of the graph behind `root` and a panel about the node you pick.

    `root` is a tensor or a grad_fn; `root_name` is how paths start (default: the name
    `names` gives the root tensor, else "output").
    """

    def __init__(self, root: Any, *, names: Names = None,
                 root_name: str | None = None, rankdir: str = "LR",
                 max_nodes: int | None = DEFAULT_MAX_NODES) -> None:
        super().__init__()
        named = name_pairs(names)
        self.graph = trace(root, names=named, collapse_chains=None, max_nodes=max_nodes)
        self.rankdir = rankdir
        self.leaf_names = {id(tensor): name for name, tensor in named}
        given = next((name for name, tensor in named if tensor is root), None)
        self.root_expression = (f"{root_name or given or 'output'}.grad_fn" if is_tensor(root)
                                else root_name or "grad_fn")
        self.nodes, self._parent = self._nodes_breadth_first()
        self.dropdown = ipw.Dropdown(
            options=[(self._option_label(i, n), i) for i, n in enumerate(self.nodes)],
            description=text("view.node"), layout=ipw.Layout(width="420px"))
        self.parent_button = ipw.Button(description=text("view.parent"),
                                        layout=ipw.Layout(width="auto"))
        self.follow_buttons = ipw.HBox(layout=ipw.Layout(flex_flow="row wrap"))
        self.graph_html = ipw.HTML(layout=ipw.Layout(overflow="auto"))
        self.info_html = ipw.HTML()
        self.dropdown.observe(lambda _: self._show(), "value")
        self.parent_button.on_click(lambda _: self._select_parent())
        self.children = [ipw.HBox([self.dropdown, self.parent_button]), self.graph_html,
                         self.info_html, self.follow_buttons]
        self.add_class("mg-graph-view")
        if self.nodes:
            self._show()

    @property
    def selected(self) -> Any:
        """The node shown now."""
        return self.nodes[self.dropdown.value] if self.nodes else None

    def select(self, node: Any) -> None:
        """Show `node` (one of `self.nodes`)."""
        self.dropdown.value = next(i for i, n in enumerate(self.nodes) if n is node)

    def path(self, node: Any) -> str:
        """The Python expression that reaches `node` from the root, as the tutorial writes it."""
        hops: list[str] = []
        while node in self._parent:
            node, input_nr = self._parent[node]
            hops.append(f".next_functions[{input_nr}][0]")
        hops.reverse()
        if len(hops) <= _SPELLED_OUT_DEPTH:
            return self.root_expression + "".join(hops)
        runs: list[list[Any]] = []
        for hop in hops:
            if runs and runs[-1][0] == hop:
                runs[-1][1] += 1
            else:
                runs.append([hop, 1])
        return self.root_expression + "".join(
            hop if count == 1 else f"({hop} × {count})" for hop, count in runs)

    def _nodes_breadth_first(self) -> tuple[list[Any], dict[Any, tuple[Any, int]]]:
        """Every node, nearest the root first, with the (user, input_nr) it was first reached by."""
        first = next((b.node for b in self.graph.boxes if b.node is not None), None)
        if first is None:
            return [], {}
        order, parent = [first], {}
        queue = deque([first])
        seen = {first}
        while queue:
            node = queue.popleft()
            for input_nr, (child, _) in enumerate(node.next_functions):
                if child is not None and child not in seen:
                    seen.add(child)
                    parent[child] = (node, input_nr)
                    order.append(child)
                    queue.append(child)
        return order, parent

    def _option_label(self, index: int, node: Any) -> str:
        label = f"{index}: {node_name(node)}"
        if is_leaf_node(node):
            label += f" ({self.leaf_names.get(id(node.variable), text('graph.leaf'))})"
        return label

    def _select_parent(self) -> None:
        if self.selected in self._parent:
            self.select(self._parent[self.selected][0])

    def _show(self) -> None:
        node = self.selected
        selected_key = self.graph.box_of_node.get(node)

        def highlight(box: Box) -> dict[str, str]:
            if box.key == selected_key:
                return {**CURRENT_STYLE, "class": f"mg-{box.kind} mg-selected"}
            return {}

        drawing = to_digraph(self.graph, rankdir=self.rankdir, legend=False,
                             node_attrs=highlight)
        self._drawing = drawing
        self.graph_html.value = drawing.svg().replace(
            "<svg ", '<svg style="max-width:100%;height:auto" ', 1)
        self.info_html.value = self._info_html(node)
        self.parent_button.disabled = node not in self._parent
        self.follow_buttons.children = [
            self._follow_button(input_nr, child)
            for input_nr, (child, _) in enumerate(node.next_functions) if child is not None
        ]

    def _follow_button(self, input_nr: int, child: Any) -> ipw.Button:
        button = ipw.Button(description=f"→ next_functions[{input_nr}][0]: {node_name(child)}",
                            layout=ipw.Layout(width="auto"))
        button.on_click(lambda _: self.select(child))
        return button

    def _info_html(self, node: Any) -> str:
        rows = [f"<h3><code>{html.escape(node_name(node))}</code></h3>",
                f"<div>{text('view.reached', path=f'<code>{html.escape(self.path(node))}</code>')}"
                "</div>", "<h4>next_functions</h4>"]
        if node.next_functions:
            rows.append("<table>")
            for input_nr, (child, child_input_nr) in enumerate(node.next_functions):
                what = text("view.none_child") if child is None else \
                    f"<code>{html.escape(node_name(child))}</code>, {child_input_nr}"
                rows.append(f"<tr><td>[{input_nr}]</td><td>({what})</td></tr>")
            rows.append("</table>")
        else:
            rows.append(f"<div><code>()</code>: {text('view.no_children')}</div>")
        if is_leaf_node(node):
            variable = node.variable
            name = self.leaf_names.get(id(variable), text("graph.leaf"))
            rows += [f"<h4>{text('view.variable')}</h4>",
                     f"<div><code>{html.escape(name)}</code> {shape_text(variable.shape)}"
                     f" = <code>{html.escape(values_text(variable))}</code>, "
                     f"grad = <code>{html.escape(values_text(variable.grad))}</code></div>"]
        saved = saved_values(node)
        rows.append(f"<h4>{text('view.saved')}</h4>")
        if saved:
            rows.append("<table>")
            for name, value in saved.items():
                shown = self.graph.saved_text(value)
                if isinstance(value, RuntimeError):
                    shown += text("view.retain")
                elif is_tensor(value) and id(value) in self.graph.tensor_names:
                    shown += f", {range_text(value)}"
                rows.append(f"<tr><td><code>_saved_{html.escape(name)}</code></td>"
                            f"<td><code>{html.escape(shown)}</code></td></tr>")
            rows.append("</table>")
        else:
            rows.append(f"<div>{text('view.nothing')}</div>")
        return f"{PANEL_CSS}<div class='mg-panel'>{''.join(rows)}</div>"


    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The live widget, with the drawing as a PNG for views without a kernel."""
        drawing = getattr(self, "_drawing", None)
        if drawing is None:
            return widget_bundle(self, text("view.plain"), None)
        return widget_bundle(self, text("view.plain"), png_from_dot(drawing.source),
                             svg_width_px(drawing.svg()))
