"""`BackwardStepper`: run the real backward engine one node at a time and watch gradients move.

It drives `minigrad.autograd.backward_steps`, the generator that `loss.backward()` exhausts,
so what a learner steps through is the engine itself, not a re-enactment. Every step is
recorded with a copy of the leaf `.grad` it changed: Back rewinds both the picture and the
leaves' gradients, and Reset starts a fresh pass.

The stepper owns its graph: it keeps the values the graph saved for backward, so a later
cell's `loss.backward()` (which frees them) cannot break it, and Reset always recovers.
Pictures are cached per position, least recently used first out, within `CACHE_BYTES`.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import ipywidgets as ipw
import numpy as np

import minigrad
from minigrad.autograd import BackwardStep, backward_steps
from widgets.derivatives import local_derivative, sends_to
from widgets.graph import (
    DEFAULT_COLLAPSE_CHAINS,
    DEFAULT_MAX_NODES,
    LEAF,
    OP,
    OUTPUT,
    Arrow,
    Box,
    Names,
    box_fields,
    is_leaf_node,
    name_pairs,
    node_name,
    to_digraph,
    trace,
)
from widgets.i18n import text
from widgets.render import fit_svg, png_from_dot, svg_width_px, widget_bundle
from widgets.style import (
    CURRENT_STYLE,
    DONE_STYLE,
    KIND_STYLES,
    NEW_GRADIENT_COLOR,
    OLD_GRADIENT_COLOR,
    OLD_GRADIENT_TEXT_COLOR,
    PANEL_CSS,
)
from widgets.tensor_text import (
    SMALL_TENSOR,
    as_numpy,
    norm_text,
    range_text,
    shape_text,
    values_text,
)

__all__ = ["BackwardStepper", "RecordedStep"]

# The panel prints tensors up to this size in full, as `print` would.
PRINTED_IN_FULL = 8
# Leaf boxes are sized from their text: Helvetica 11 pt averages about 0.075 in a character.
CHAR_WIDTH_IN, BOX_PADDING_IN, LINE_HEIGHT_IN = 0.075, 0.3, 0.25
# Play speeds (message id, milliseconds between steps).
SPEEDS = (("stepper.slow", 1500), ("stepper.normal", 800), ("stepper.fast", 300))
# The picture cache holds at most this many bytes of SVG, whatever the graph's size.
CACHE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class RecordedStep:
    """One engine step and, for an AccumulateGrad step, a copy of the leaf's `.grad` after it."""

    step: BackwardStep
    leaf_grad_after: np.ndarray | None


def _grad_copy(tensor: Any) -> np.ndarray | None:
    grad = tensor.grad
    return None if grad is None else as_numpy(grad).copy()


def _tensor_html(value: Any) -> str:
    """A small tensor as `print` shows it; a big one as shape, first values and range."""
    if value is None:
        return "<code>None</code>"
    printed = html.escape(repr(value.detach()))
    if value.numel() <= PRINTED_IN_FULL:
        return f"<pre>{printed}</pre>"
    return (f"<code>{shape_text(value.shape)} {html.escape(values_text(value))}</code>"
            f"<div class='mg-stats'>{html.escape(range_text(value))}</div>"
            f"<details><summary>{text('stepper.print')}</summary><pre>{printed}</pre></details>")


def _grad_line(grad: Any) -> str:
    """A leaf box's gradient line: values for a small tensor, the norm for a big one."""
    if grad is None or grad.numel() <= SMALL_TENSOR:
        return f"grad = {values_text(grad, digits=3)}"
    return f"‖grad‖ = {norm_text(grad)}"


def _leaf_box_size(lines: list[str], numel: int) -> tuple[float, float]:
    """Inches (wide, high) that fit a leaf box's lines plus its grad line at any step."""
    # The grad line's widest form: "grad = [" and up to 7 characters a number, or the norm.
    grad_chars = 10 + 9 * numel if numel <= SMALL_TENSOR else len("‖grad‖ = -1.234e+05")
    widest = max([grad_chars, *(len(line) for line in lines)])
    return widest * CHAR_WIDTH_IN + BOX_PADDING_IN, (len(lines) + 1) * LINE_HEIGHT_IN


class BackwardStepper(ipw.VBox):
    """Step through `loss.backward()` one node at a time: Step, Back, Play, Reset and a slider.

    `gradient` is the starting gradient for a non-scalar `loss` (as in `loss.backward(v)`);
    `names` (a dict or `named_parameters()`) labels leaves; `rankdir="BT"` puts the loss on
    top, so gradients flow down the page.
    """

    def __init__(self, loss: minigrad.Tensor, *, gradient: minigrad.Tensor | None = None,
                 names: Names = None, values: bool = False, rankdir: str = "BT",
                 max_nodes: int | None = DEFAULT_MAX_NODES,
                 collapse_chains: int | None = DEFAULT_COLLAPSE_CHAINS) -> None:
        if not isinstance(loss, minigrad.Tensor):
            raise TypeError(
                "BackwardStepper runs minigrad's backward engine, so it needs a minigrad tensor "
                f"(got {type(loss).__module__}.{type(loss).__name__}); widgets.draw() also "
                "draws PyTorch graphs."
            )
        if not loss.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        super().__init__()
        named = name_pairs(names)
        self.loss = loss
        self.gradient = gradient
        self.values = values
        self.rankdir = rankdir
        self.graph = trace(loss, names=named, collapse_chains=collapse_chains,
                           max_nodes=max_nodes)
        self.leaves = self._all_leaves()
        self.leaf_names = self._leaf_names(named)
        self.steps: list[RecordedStep] = []
        self.position = 0
        self.total_steps = max(1, len(self.graph.box_of_node))
        self._engine: Generator[BackwardStep, None, None] | None = None
        self._engine_finished = False
        self._initial_grads = {id(leaf): _grad_copy(leaf) for leaf in self.leaves}
        # What each node saved for backward, to put back when another backward frees it.
        self._saved_by_node = [(node, node._saved) for node in self.graph.box_of_node
                               if getattr(node, "_saved", None) is not None]
        self._svg_by_position: OrderedDict[int, str] = OrderedDict()
        self.cache_bytes = 0
        self._syncing_slider = False
        self._build_controls()
        self._show()

    # The engine -------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """Whether every node of the backward pass has run and is shown."""
        return self.position >= self.total_steps

    def step(self) -> bool:
        """Run (or replay) the next node and show it; False when the pass is already complete."""
        advanced = self._advance()
        if advanced:
            self._show()
        return advanced

    def back(self) -> bool:
        """Show the previous step again, restoring the leaves' `.grad` to what they were then."""
        if self.position == 0:
            return False
        self.position -= 1
        self._restore_leaf_grads()
        self._show()
        return True

    def reset(self) -> None:
        """Start over: leaves get back the `.grad` they had before, and a fresh pass begins."""
        if self._engine is not None:
            self._engine.close()
        self._engine = None
        self._engine_finished = False
        self.steps.clear()
        self.position = 0
        self._svg_by_position.clear()
        self.cache_bytes = 0
        self._restore_leaf_grads()
        self._show()

    def run(self) -> None:
        """Run every remaining node (as `loss.backward(retain_graph=True)`) and show the end."""
        while self._advance():
            pass
        self._show()

    def go_to(self, position: int) -> None:
        """Show the state after `position` steps, running the engine as far as needed."""
        while self.position < position and self._advance():
            pass
        if self.position > max(position, 0):
            self.position = max(position, 0)
            self._restore_leaf_grads()
        self._show()

    def _advance(self) -> bool:
        if self.position < len(self.steps):
            self.position += 1
            self._restore_leaf_grads()
            return True
        if self._engine_finished:
            return False
        self._keep_graph()
        if self._engine is None:
            # retain_graph: Reset, and a later loss.backward(), can run the same graph again.
            self._engine = backward_steps(self.loss, self.gradient, retain_graph=True)
        try:
            engine_step = next(self._engine)
        except StopIteration:
            self._engine_finished = True
            self.total_steps = len(self.steps)
            return False
        except RuntimeError:
            # A generator that raised is finished: the pass ends here until Reset.
            self._engine_finished = True
            self.total_steps = len(self.steps)
            raise
        leaf_grad = None if engine_step.leaf is None else _grad_copy(engine_step.leaf)
        self.steps.append(RecordedStep(engine_step, leaf_grad))
        self.position += 1
        self.total_steps = max(self.total_steps, len(self.steps))
        return True

    def _keep_graph(self) -> None:
        """Give back the saved values a `backward()` outside the stepper freed."""
        for node, saved in self._saved_by_node:
            if node._released:
                node._saved, node._released = saved, False

    def _restore_leaf_grads(self) -> None:
        grads = dict(self._initial_grads)
        for recorded in self.steps[:self.position]:
            if recorded.step.leaf is not None:
                grads[id(recorded.step.leaf)] = recorded.leaf_grad_after
        for leaf in self.leaves:
            value = grads.get(id(leaf))
            leaf.grad = None if value is None else minigrad.from_numpy(value.copy())

    def _all_leaves(self) -> list[minigrad.Tensor]:
        if self.loss.grad_fn is None:
            return [self.loss]
        return [node.variable for node in self.graph.box_of_node if is_leaf_node(node)]

    def _leaf_names(self, named: list[tuple[str, Any]]) -> dict[int, str]:
        given = {id(tensor): name for name, tensor in named}
        return {id(leaf): given.get(id(leaf), f"leaf{i}") for i, leaf in enumerate(self.leaves)}

    # What the current position shows ------------------------------------------------------

    @property
    def current(self) -> BackwardStep | None:
        """The step shown now (None before the first step)."""
        return self.steps[self.position - 1].step if self.position else None

    def _box_key(self, step: BackwardStep) -> str | None:
        key = self.graph.box_of_node.get(step.node)
        if key is None and step.leaf is not None:
            key = self.graph.box_of_tensor.get(id(step.leaf))
        return key

    def _seed_gradient(self) -> Any:
        if self.gradient is not None:
            return self.gradient
        return minigrad.ones_like(self.loss.detach())

    def sent_gradients(self) -> dict[tuple[Any, int], minigrad.Tensor]:
        """Gradients sent so far, by (node, input_nr): what flows on each edge of the graph."""
        sent = {}
        for recorded in self.steps[:self.position]:
            node = recorded.step.node
            for input_nr, grad in enumerate(recorded.step.grad_inputs):
                if grad is not None:
                    sent[(node, input_nr)] = grad
        return sent

    def contributions(self, leaf: minigrad.Tensor) -> list[tuple[Any, int, minigrad.Tensor]]:
        """The gradients sent toward `leaf` so far in this pass: (node, input_nr, gradient).

        A leaf used twice receives two; the engine adds them up before its AccumulateGrad runs.
        """
        found = []
        for (node, input_nr), grad in self.sent_gradients().items():
            target = node.next_functions[input_nr][0]
            if getattr(target, "variable", None) is leaf:
                found.append((node, input_nr, grad))
        return found

    def _digraph(self) -> Any:
        current = self.current
        output_key = next((b.key for b in self.graph.boxes if b.kind == OUTPUT), None)
        current_key = self._box_key(current) if current else output_key
        done_keys = {self._box_key(r.step) for r in self.steps[:max(0, self.position - 1)]}
        if output_key is not None and self.position:
            done_keys.add(output_key)
        sent = self.sent_gradients()
        just_sent = set()
        if current is not None:
            just_sent = {(current.node, i) for i, g in enumerate(current.grad_inputs)
                         if g is not None}

        def node_attrs(box: Box) -> dict[str, str]:
            attrs = {"class": f"mg-{box.kind}"}
            if box.key == current_key:
                attrs.update(CURRENT_STYLE, **{"class": f"mg-{box.kind} mg-current"})
            elif box.key in done_keys:
                attrs.update(DONE_STYLE, **{"class": f"mg-{box.kind} mg-done"})
            if box.kind == LEAF:
                # A fixed size, so the layout stays put while the grad line changes.
                lines = box_fields(self.graph, box, values=self.values, grads=False, saved=False)
                width, height = _leaf_box_size(lines, box.tensor.numel())
                attrs.update(fixedsize="true", width=f"{width:.2f}", height=f"{height:.2f}")
            return attrs

        def extra_fields(box: Box) -> list[str]:
            if box.kind == LEAF:
                return [_grad_line(box.tensor.grad)]
            if box.kind == OUTPUT:
                return [f"grad = {values_text(self._seed_gradient())}"]
            return []

        def edge_attrs(arrow: Arrow) -> dict[str, str]:
            if arrow.consumer is None:
                grad, fresh = self._seed_gradient(), self.position == 0
            else:
                grad = sent.get((arrow.consumer, arrow.input_nr))
                fresh = (arrow.consumer, arrow.input_nr) in just_sent
            if grad is None:
                return {}
            return {"dir": "back", "penwidth": "2.5" if fresh else "1.5",
                    "color": NEW_GRADIENT_COLOR if fresh else OLD_GRADIENT_COLOR,
                    "fontcolor": NEW_GRADIENT_COLOR if fresh else OLD_GRADIENT_TEXT_COLOR,
                    "xlabel": values_text(grad, shown=2, digits=3),
                    "class": "mg-gradient mg-new" if fresh else "mg-gradient"}

        graph = to_digraph(self.graph, values=self.values, rankdir=self.rankdir, legend=False,
                           node_attrs=node_attrs, edge_attrs=edge_attrs,
                           extra_fields=extra_fields)
        graph.attr(forcelabels="true")
        return graph

    def svg(self) -> str:
        """The graph at the current position as inline SVG (cached, within `CACHE_BYTES`)."""
        cache = self._svg_by_position
        if self.position in cache:
            cache.move_to_end(self.position)
            return cache[self.position]
        svg = fit_svg(self._digraph().svg()).replace(
            "<svg ", '<svg style="max-width:100%;height:auto" ', 1)
        cache[self.position] = svg
        self.cache_bytes += len(svg)
        while self.cache_bytes > CACHE_BYTES and len(cache) > 1:
            self.cache_bytes -= len(cache.popitem(last=False)[1])
        return svg

    def panel_html(self) -> str:
        """The side panel: current node, gradient it got, its local derivative, what it sent."""
        parts = [PANEL_CSS, '<div class="mg-panel">']
        current = self.current
        if current is None:
            parts += self._start_html()
        elif current.leaf is not None:
            parts += self._accumulate_html(current)
        else:
            parts += self._node_html(current)
        parts += self._leaves_html(current)
        parts.append("</div>")
        return "".join(parts)

    def _title(self, what: str) -> str:
        step = text("stepper.title", position=self.position, total=self.total_steps)
        return f"<h3>{step} · {what}</h3>"

    def _start_html(self) -> list[str]:
        first = self.loss.grad_fn
        first_name = node_name(first) if first is not None else "AccumulateGrad"
        return [
            f"<h3>{text('stepper.ready')}</h3>",
            f"<div>{text('stepper.seed')}</div>",
            _tensor_html(self._seed_gradient()),
            f"<div>{text('stepper.press_step', node=f'<code>{first_name}</code>')}</div>",
        ]

    def _node_html(self, step: BackwardStep) -> list[str]:
        name = node_name(step.node)
        derivative = local_derivative(step.node)
        parts = [self._title(f"<code>{name}</code>"),
                 f"<div>{text('stepper.forward')}: "
                 f"<code>{html.escape(derivative.forward)}</code></div>",
                 f"<h4>{text('stepper.arriving')}</h4>"]
        parts += [_tensor_html(g) for g in step.grad_outputs]
        parts.append(f"<h4>{text('stepper.local')}</h4><table>")
        for input_nr, ((child, _), grad) in enumerate(zip(step.node.next_functions,
                                                          step.grad_inputs)):
            if child is None:
                target, rule = text("stepper.constant"), text("stepper.no_gradient")
            else:
                target = f"<code>{node_name(child)}</code>"
                if is_leaf_node(child):
                    target += f" ({self.leaf_names.get(id(child.variable), text('graph.leaf'))})"
                rule = sends_to(derivative, input_nr)
            parts.append(
                f"<tr><td>{text('stepper.input', number=input_nr)} → {target}</td>"
                f"<td class='mg-rule'><code>{html.escape(rule)}</code></td>"
                f"<td class='mg-grad'>{_tensor_html(grad) if child is not None else ''}</td></tr>"
            )
        parts.append("</table>")
        return parts

    def _accumulate_html(self, step: BackwardStep) -> list[str]:
        leaf = step.leaf
        name = html.escape(self.leaf_names.get(id(leaf), text("graph.leaf")))
        arrived = self.contributions(leaf)
        many = "stepper.contribution" if len(arrived) == 1 else "stepper.contributions"
        parts = [self._title(text("stepper.accumulate_title", leaf=name)),
                 f"<div>{text('stepper.accumulate', grad=f'<code>{name}.grad</code>')}"
                 " (<code>variable.grad += grad</code>)</div>",
                 f"<h4>{text(many, count=len(arrived))}</h4><table>"]
        for node, input_nr, grad in arrived:
            source = text("stepper.from", node=f"<code>{node_name(node)}</code>",
                          number=input_nr)
            parts.append(f"<tr><td>{source}</td>"
                         f"<td class='mg-grad'>{_tensor_html(grad)}</td></tr>")
        parts.append("</table>")
        if len(arrived) > 1:
            parts.append(f"<div>{text('stepper.summed')}</div>")
            parts += [_tensor_html(g) for g in step.grad_outputs]
        before = self._grad_before(leaf)
        parts += [f"<h4><code>{name}.grad</code> {text('stepper.before_after')}</h4>",
                  _tensor_html(None if before is None else minigrad.from_numpy(before)),
                  "<div>→</div>", _tensor_html(leaf.grad)]
        return parts

    def _grad_before(self, leaf: minigrad.Tensor) -> np.ndarray | None:
        before = self._initial_grads.get(id(leaf))
        for recorded in self.steps[:self.position - 1]:
            if recorded.step.leaf is leaf:
                before = recorded.leaf_grad_after
        return before

    def _leaves_html(self, current: BackwardStep | None) -> list[str]:
        parts = [f"<h4>{text('stepper.leaves_now')}</h4><table>"]
        for leaf in self.leaves:
            changed = current is not None and current.leaf is leaf
            name = html.escape(self.leaf_names[id(leaf)])
            parts.append(f"<tr class='{'mg-changed' if changed else ''}'>"
                         f"<td><code>{name}</code> {shape_text(leaf.shape)}</td>"
                         f"<td><code>{html.escape(values_text(leaf.grad))}</code></td></tr>")
        parts.append("</table>")
        return parts

    # The widgets ------------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.reset_button = ipw.Button(description=text("stepper.reset"), icon="undo",
                                       tooltip=text("stepper.reset_tip"))
        self.back_button = ipw.Button(description=text("stepper.back"), icon="step-backward",
                                      tooltip=text("stepper.back_tip"))
        self.step_button = ipw.Button(description=text("stepper.step"), icon="step-forward",
                                      button_style="primary", tooltip=text("stepper.step_tip"))
        speeds = [(text(label), interval) for label, interval in SPEEDS]
        self.play = ipw.Play(min=0, max=self.total_steps, interval=SPEEDS[1][1],
                             show_repeat=False, description=text("stepper.play"))
        self.speed = ipw.Dropdown(options=speeds, value=SPEEDS[1][1],
                                  description=text("stepper.speed"),
                                  layout=ipw.Layout(width="160px"))
        self.slider = ipw.IntSlider(min=0, max=self.total_steps,
                                    description=text("stepper.slider"),
                                    continuous_update=False,
                                    layout=ipw.Layout(flex="1 1 auto"))
        # The graph and the panel share the row; on a narrow page the panel wraps below.
        self.graph_html = ipw.HTML(layout=ipw.Layout(flex="0 1 auto", max_width="100%",
                                                     overflow="auto"))
        self.panel_html_widget = ipw.HTML(layout=ipw.Layout(flex="1 1 360px", min_width="300px",
                                                            max_width="100%",
                                                            margin="0 0 0 12px"))
        legend = ipw.HTML(self._legend_html())
        for button in (self.reset_button, self.back_button, self.step_button):
            button.layout.width = "auto"
        self.reset_button.on_click(lambda _: self._safely(self.reset))
        self.back_button.on_click(lambda _: self._safely(self.back))
        self.step_button.on_click(lambda _: self._safely(self.step))
        self.speed.observe(lambda change: setattr(self.play, "interval", change["new"]), "value")
        # Play ticks move the slider (in the kernel too, so tests see it); the slider moves us.
        ipw.link((self.play, "value"), (self.slider, "value"))
        self.slider.observe(self._on_slider, "value")
        self.children = [
            ipw.HBox([self.reset_button, self.back_button, self.step_button, self.play,
                      self.speed, self.slider], layout=ipw.Layout(align_items="center")),
            ipw.HBox([self.graph_html, self.panel_html_widget],
                     layout=ipw.Layout(align_items="flex-start", flex_flow="row wrap")),
            legend,
        ]
        self.add_class("mg-stepper")

    def _safely(self, action: Any) -> None:
        """Run a button's action; show an engine error in the panel instead of losing it."""
        try:
            action()
        except RuntimeError as error:
            self.step_button.disabled = self.done
            self.panel_html_widget.value = (
                f"{PANEL_CSS}<div class='mg-panel'><h3>{text('stepper.error')}</h3>"
                f"<pre class='mg-wrap'>{html.escape(str(error))}</pre>"
                f"<div>{text('stepper.press_reset')}</div></div>")

    def _on_slider(self, change: dict[str, Any]) -> None:
        if not self._syncing_slider:
            self._safely(lambda: self.go_to(change["new"]))

    def _show(self) -> None:
        self.graph_html.value = f'<div class="mg-graph">{self.svg()}</div>'
        self.panel_html_widget.value = self.panel_html()
        self._syncing_slider = True
        try:
            self.slider.max = self.play.max = self.total_steps
            self.slider.value = self.position
        finally:
            self._syncing_slider = False
        self.back_button.disabled = self.position == 0
        self.step_button.disabled = self.done

    def _legend_html(self) -> str:
        def chip(fill: str, border: str, text: str) -> str:
            return f"<span><i style='background:{fill};border-color:{border}'></i>{text}</span>"

        return (
            f"{PANEL_CSS}<div class='mg-legend'>"
            + chip(CURRENT_STYLE["fillcolor"], CURRENT_STYLE["color"], text("legend.running"))
            + chip(DONE_STYLE["fillcolor"], DONE_STYLE["color"], text("legend.done"))
            + chip(KIND_STYLES[OP]["fillcolor"], KIND_STYLES[OP]["color"], text("legend.waiting"))
            + chip(KIND_STYLES[LEAF]["fillcolor"], KIND_STYLES[LEAF]["color"], text("legend.leaf"))
            + chip(KIND_STYLES[OUTPUT]["fillcolor"], KIND_STYLES[OUTPUT]["color"],
                   text("legend.output"))
            + f"<span style='color:{NEW_GRADIENT_COLOR}'>⟵ {text('legend.just_sent')}</span>"
            + f"<span style='color:{OLD_GRADIENT_COLOR}'>⟵ {text('legend.sent_earlier')}</span>"
            + f"<span style='color:#6b7280'>→ {text('legend.forward')}</span></div>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The live widget, with the current picture as a PNG for views without a kernel."""
        drawing = self._digraph()
        plain = text("stepper.plain", total=self.total_steps)
        return widget_bundle(self, plain, png_from_dot(drawing.source),
                             svg_width_px(drawing.svg()))
