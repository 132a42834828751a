"""Draw the backward graph behind a tensor, read only through PyTorch's public graph API.

`grad_fn`, `next_functions`, `name()`, `AccumulateGrad.variable` and the `_saved_*`
attributes are all this module reads, so it draws minigrad's graphs and real PyTorch
ones alike. The walk is iterative (a 10,000-op chain is fine), keeps input order
(the same graph always gives the same DOT text), collapses long chains of one-input
nodes into one box and stops at `max_nodes` boxes, so big graphs stay readable.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from widgets.i18n import text
from widgets.render import GraphDrawing
from widgets.style import FORWARD_EDGE_COLOR, KIND_STYLES
from widgets.tensor_text import shape_text, summary_text, values_text

__all__ = [
    "Arrow",
    "Box",
    "TracedGraph",
    "draw",
    "is_leaf_node",
    "is_tensor",
    "name_pairs",
    "node_name",
    "saved_values",
    "to_digraph",
    "trace",
]

# Box kinds: a tensor (the output, or a leaf behind an AccumulateGrad), a backward node,
# a run of one-input nodes drawn as one box, and the placeholder for boxes not drawn.
OUTPUT, LEAF, OP, CHAIN, MORE = "output", "leaf", "op", "chain", "more"

DEFAULT_MAX_NODES = 300
DEFAULT_COLLAPSE_CHAINS = 10


@dataclass
class Box:
    """One box of the drawing and the graph nodes it stands for."""

    key: str
    kind: str
    nodes: list[Any] = field(default_factory=list)
    tensor: Any = None
    name: str | None = None
    hidden: int = 0

    @property
    def node(self) -> Any:
        """The (first) backward node behind this box, or None for a tensor without one."""
        return self.nodes[0] if self.nodes else None


@dataclass(frozen=True)
class Arrow:
    """An edge in forward direction: from an input's box (tail) to the box that used it (head).

    `consumer.next_functions[input_nr]` is the entry it draws; gradients flow against it.
    """

    tail: str
    head: str
    consumer: Any
    input_nr: int


@dataclass
class TracedGraph:
    """What `trace` found: boxes in input order, arrows, and which box shows each node."""

    root: Any
    boxes: list[Box]
    arrows: list[Arrow]
    box_of_node: dict[Any, str]
    box_of_tensor: dict[int, str]
    max_nodes: int | None
    tensor_names: dict[int, str] = field(default_factory=dict)

    def saved_text(self, value: Any) -> str:
        """A saved value in a few words: a named tensor by its name, others by shape and range."""
        if isinstance(value, RuntimeError):
            return text("graph.freed")
        if is_tensor(value):
            name = self.tensor_names.get(id(value))
            return f"{name} {shape_text(value.shape)}" if name else summary_text(value)
        shown = repr(value)
        return shown if len(shown) <= 40 else shown[:39] + "…"


def node_name(node: Any) -> str:
    """A node's class name without C++ namespaces (`torch::autograd::AccumulateGrad`)."""
    return node.name().rsplit("::", 1)[-1]


def is_tensor(value: Any) -> bool:
    """Whether `value` looks like a minigrad or PyTorch tensor."""
    return hasattr(value, "shape") and hasattr(value, "detach")


def is_leaf_node(node: Any) -> bool:
    """Whether a backward node is a leaf's AccumulateGrad (it has the leaf as `.variable`)."""
    return hasattr(node, "variable")


def saved_values(node: Any) -> dict[str, Any]:
    """The node's saved values by name (`self`, `result`, ...), from its `_saved_*` attributes.

    A value already freed by backward is returned as the RuntimeError that reading it raised.
    """
    values: dict[str, Any] = {}
    for attr in dir(node):
        if not attr.startswith("_saved_"):
            continue
        try:
            values[attr[len("_saved_"):]] = getattr(node, attr)
        except RuntimeError as freed:
            values[attr[len("_saved_"):]] = freed
    return values


def _children(node: Any) -> list[Any]:
    return [child for child, _ in node.next_functions if child is not None]


Names = Mapping[str, Any] | Iterable[tuple[str, Any]] | None


def name_pairs(names: Names) -> list[tuple[str, Any]]:
    """(name, tensor) pairs from a dict, `model.named_parameters()` (read once) or None."""
    if names is None:
        return []
    return list(names.items() if isinstance(names, Mapping) else names)


def _discover(root_node: Any) -> tuple[list[Any], dict[Any, int], dict[Any, Any]]:
    """All nodes below `root_node` in depth-first input order, their use counts, a consumer each."""
    order: list[Any] = []
    uses: dict[Any, int] = {root_node: 0}
    first_consumer: dict[Any, Any] = {}
    stack = [root_node]
    while stack:
        node = stack.pop()
        order.append(node)
        fresh = []
        for child in _children(node):
            if child in uses:
                uses[child] += 1
                continue
            uses[child] = 1
            first_consumer[child] = node
            fresh.append(child)
        stack.extend(reversed(fresh))
    return order, uses, first_consumer


def _chains(order: list[Any], uses: dict[Any, int], first_consumer: dict[Any, Any],
            min_length: int) -> dict[Any, list[Any]]:
    """Runs of at least `min_length` nodes that have one input and one user, by member."""

    def is_link(node: Any) -> bool:
        return not is_leaf_node(node) and len(_children(node)) == 1 and uses[node] <= 1

    chain_of: dict[Any, list[Any]] = {}
    for node in order:
        consumer = first_consumer.get(node)
        if not is_link(node) or (consumer is not None and is_link(consumer)):
            continue
        members = [node]
        while is_link(child := _children(members[-1])[0]):
            members.append(child)
        if len(members) >= min_length:
            for member in members:
                chain_of[member] = members
    return chain_of


def _split_root(root: Any) -> tuple[Any, Any]:
    """(tensor or None, its grad_fn or None) for a tensor or a backward node."""
    if hasattr(root, "next_functions"):
        return None, root
    if is_tensor(root):
        return root, root.grad_fn
    raise TypeError(f"draw() expects a tensor or a grad_fn node, got {type(root).__name__}")


def trace(root: Any, *, names: Names = None,
          collapse_chains: int | None = DEFAULT_COLLAPSE_CHAINS,
          max_nodes: int | None = DEFAULT_MAX_NODES) -> TracedGraph:
    """Walk the graph behind `root` (a tensor or a grad_fn) into boxes and arrows to draw."""
    root_tensor, root_node = _split_root(root)
    pairs = name_pairs(names)
    tensor_names = {id(tensor): name for name, tensor in pairs}
    boxes: list[Box] = []
    arrows: list[Arrow] = []
    box_of_node: dict[Any, str] = {}

    def add_box(kind: str, **fields: Any) -> Box:
        box = Box(key=f"n{len(boxes)}", kind=kind, **fields)
        boxes.append(box)
        return box

    if root_node is None:
        add_box(LEAF, tensor=root_tensor,
                name=tensor_names.get(id(root_tensor), text("graph.tensor")))
        return TracedGraph(root, boxes, arrows, {}, {id(root_tensor): "n0"}, max_nodes,
                           tensor_names)

    output_box = None
    if root_tensor is not None:
        output_box = add_box(OUTPUT, tensor=root_tensor,
                             name=tensor_names.get(id(root_tensor), text("graph.output")))

    order, uses, first_consumer = _discover(root_node)
    chain_of = _chains(order, uses, first_consumer, collapse_chains) if collapse_chains else {}
    results_by_node = _named_results(pairs, root_tensor)
    for node in order:
        if node in box_of_node:
            continue
        if node in chain_of:
            members = chain_of[node]
            box = add_box(CHAIN, nodes=list(members))
            for member in members:
                box_of_node[member] = box.key
        elif is_leaf_node(node):
            variable = node.variable
            box = add_box(LEAF, nodes=[node], tensor=variable,
                          name=tensor_names.get(id(variable)))
            box_of_node[node] = box.key
        else:
            tensor, name = results_by_node.get(node, (None, None))
            box = add_box(OP, nodes=[node], tensor=tensor, name=name)
            box_of_node[node] = box.key
    if output_box is not None:
        arrows.append(Arrow(box_of_node[root_node], output_box.key, None, 0))
    for node in order:
        for input_nr, (child, _) in enumerate(node.next_functions):
            tail, head = box_of_node.get(child), box_of_node[node]
            if child is not None and tail != head:
                arrows.append(Arrow(tail, head, node, input_nr))
    traced = TracedGraph(root, boxes, arrows, box_of_node, {}, max_nodes, tensor_names)
    if max_nodes is not None:
        _keep_nearest(traced, max_nodes)
    traced.box_of_tensor = {id(b.tensor): b.key for b in traced.boxes if b.kind == LEAF}
    return traced


def _named_results(pairs: list[tuple[str, Any]], root_tensor: Any) -> dict[Any, tuple[Any, str]]:
    """Named non-leaf tensors by the node that made them, to label that node's box."""
    return {tensor.grad_fn: (tensor, name) for name, tensor in pairs
            if is_tensor(tensor) and tensor.grad_fn is not None and tensor is not root_tensor}


def _keep_nearest(traced: TracedGraph, max_nodes: int) -> None:
    """Keep the `max_nodes` boxes nearest the output (breadth first); one box stands for rest."""
    drawable = [b for b in traced.boxes if b.kind != OUTPUT]
    if len(drawable) <= max_nodes:
        return
    inputs_of: dict[str, list[str]] = {}
    for arrow in traced.arrows:
        inputs_of.setdefault(arrow.head, []).append(arrow.tail)
    start = traced.boxes[0].key
    kept = {start}
    queue = deque([start])
    budget = max_nodes + (1 if traced.boxes[0].kind == OUTPUT else 0)
    while queue and len(kept) < budget:
        for tail in inputs_of.get(queue.popleft(), ()):
            if tail not in kept and len(kept) < budget:
                kept.add(tail)
                queue.append(tail)
    hidden_nodes = sum(1 for key in traced.box_of_node.values() if key not in kept)
    more = Box(key=f"n{len(traced.boxes)}", kind=MORE, hidden=hidden_nodes)
    arrows: list[Arrow] = []
    into_more: set[str] = set()
    for arrow in traced.arrows:
        if arrow.head not in kept:
            continue
        if arrow.tail in kept:
            arrows.append(arrow)
        elif arrow.head not in into_more:
            into_more.add(arrow.head)
            arrows.append(Arrow(more.key, arrow.head, arrow.consumer, arrow.input_nr))
    traced.boxes = [b for b in traced.boxes if b.key in kept] + [more]
    traced.arrows = arrows
    traced.box_of_node = {n: (k if k in kept else more.key) for n, k in traced.box_of_node.items()}


def _record_text(text: str) -> str:
    """Escape the characters that structure a DOT record label."""
    for special in "\\{}|<>":
        text = text.replace(special, "\\" + special)
    return text


def box_fields(traced: TracedGraph, box: Box, *, values: bool, grads: bool,
               saved: bool) -> list[str]:
    """The lines of text in a box, top to bottom."""
    tensor = box.tensor
    if box.kind in (LEAF, OUTPUT):
        fields = [box.name or text("graph.leaf"), shape_text(tensor.shape)]
        if values:
            fields.append("= " + values_text(tensor))
        if grads and box.kind == LEAF:
            fields.append("grad = " + values_text(tensor.grad))
        return fields
    if box.kind == CHAIN:
        counts: dict[str, int] = {}
        for node in box.nodes:
            counts[node_name(node)] = counts.get(node_name(node), 0) + 1
        kinds = ", ".join(f"{name} ×{n}" for name, n in counts.items())
        return [text("graph.chain", count=len(box.nodes)), kinds]
    if box.kind == MORE:
        return [text("graph.more", count=box.hidden),
                text("graph.not_drawn", max_nodes=traced.max_nodes)]
    fields = [node_name(box.node)]
    if box.name is not None:
        fields.append(text("graph.makes", name=box.name, shape=shape_text(tensor.shape)))
        if values:
            fields.append("= " + values_text(tensor))
    if saved:
        fields += [text("graph.saved", name=name, value=traced.saved_text(value))
                   for name, value in saved_values(box.node).items()]
    return fields


def record_label(fields: list[str], rankdir: str) -> str:
    """A record label stacking `fields` vertically whatever the rank direction."""
    body = "|".join(_record_text(f) for f in fields)
    return body if rankdir in ("LR", "RL") else "{" + body + "}"


NodeAttrs = Callable[[Box], dict[str, str]]
EdgeAttrs = Callable[[Arrow], dict[str, str]]
ExtraFields = Callable[[Box], list[str]]


def to_digraph(traced: TracedGraph, *, values: bool = False, grads: bool = False,
               saved: bool = False, rankdir: str = "LR", legend: bool = True,
               size: str | None = None, node_attrs: NodeAttrs | None = None,
               edge_attrs: EdgeAttrs | None = None,
               extra_fields: ExtraFields | None = None) -> GraphDrawing:
    """The DOT graph of `traced`; the callbacks add per-box and per-arrow styling, and lines."""
    graph = GraphDrawing(
        "backward_graph",
        graph_attr={"rankdir": rankdir, "nodesep": "0.2", "ranksep": "0.3",
                    "fontname": "Helvetica", "bgcolor": "transparent",
                    **({"size": size} if size else {})},
        node_attr={"fontname": "Helvetica", "fontsize": "11", "style": "filled",
                   "height": "0.3"},
        edge_attr={"color": FORWARD_EDGE_COLOR, "arrowsize": "0.7", "fontname": "Helvetica",
                   "fontsize": "10"},
    )
    for box in traced.boxes:
        fields = box_fields(traced, box, values=values, grads=grads, saved=saved)
        fields += extra_fields(box) if extra_fields else []
        attrs = {**KIND_STYLES[box.kind], "class": f"mg-{box.kind}"}
        attrs.update(node_attrs(box) if node_attrs else {})
        graph.node(box.key, record_label(fields, rankdir), **attrs)
    for arrow in traced.arrows:
        graph.edge(arrow.tail, arrow.head, **(edge_attrs(arrow) if edge_attrs else {}))
    if legend:
        present = {b.kind for b in traced.boxes}
        kinds = [k for k in (LEAF, OP, OUTPUT, CHAIN, MORE) if k in present]
        add_legend(graph, [(KIND_STYLES[k], text(f"graph.kind.{k}")) for k in kinds])
    return graph


def add_legend(graph: GraphDrawing, entries: list[tuple[dict[str, str], str]]) -> None:
    """A row of sample boxes explaining the colours, in a dashed frame apart from the graph."""
    with graph.subgraph(name="cluster_legend") as frame:
        frame.attr(label=text("graph.legend"),
                   fontsize="10", fontcolor="#4b5563", style="rounded,dashed", color="#d1d5db")
        keys = []
        for i, (style, meaning) in enumerate(entries):
            keys.append(f"legend{i}")
            frame.node(keys[-1], _record_text(meaning), **style, fontsize="10",
                       **{"class": "mg-legend"})
        for tail, head in itertools.pairwise(keys):
            frame.edge(tail, head, style="invis")


def draw(root: Any, *, values: bool = False, grads: bool = False, saved: bool = False,
         names: Names = None,
         rankdir: str | None = None, max_nodes: int | None = DEFAULT_MAX_NODES,
         collapse_chains: int | None = DEFAULT_COLLAPSE_CHAINS, legend: bool = True,
         size: str | None = None) -> GraphDrawing:
    """The backward graph behind a tensor or grad_fn, as a `graphviz.Digraph` to display.

    `values`/`grads`/`saved` add tensors' values, leaves' `.grad` and each node's saved
    tensors; `names` (a dict or `model.named_parameters()`) labels tensors; chains of at
    least `collapse_chains` one-input nodes become one box; at most `max_nodes` boxes are
    drawn; `size` is Graphviz's size limit in inches, e.g. "12,8". `rankdir` None lays the
    graph out left to right, or top to bottom when that is too wide for a notebook cell and
    top to bottom is narrower (either way, a drawing wider than the cell is scaled down).
    """
    traced = trace(root, names=names, collapse_chains=collapse_chains, max_nodes=max_nodes)

    def layout(direction: str) -> GraphDrawing:
        return to_digraph(traced, values=values, grads=grads, saved=saved, rankdir=direction,
                          legend=legend, size=size)

    drawing = layout(rankdir or "LR")
    if rankdir is None:
        drawing.when_too_wide = lambda: layout("TB")
    return drawing
