"""The message catalogue is complete, and in Chinese no widget or check shows English prose.

Code stays code in both languages (`x.grad`, `SinBackward0`, `backward()`), so the check for
English prose first removes code (backticks, <code>, <pre>, identifiers, calls) and then
looks for English words left over.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterator

import numpy as np
import pytest

import minigrad
import widgets
from minigrad import nn
from widgets import check
from widgets.i18n import LANGUAGES, MESSAGES

# Words that are code or notation in both languages.
CODE_WORDS = {"grad", "None", "nan", "min", "mean", "max", "autograd", "dtype", "self", "other",
              "result", "variable", "backward", "numel", "sin", "cos", "exp", "log", "sum",
              "relu", "beta", "alpha", "vec", "mat", "outer", "tensor", "tensors", "index",
              "indices", "dim", "dims", "shape", "size", "start", "end", "cat", "stack"}


def english_prose(text: str) -> list[str]:
    """The English words in `text` that are not code."""
    text = re.sub(r"<(style|code|pre)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\w+(\.\w+)+", " ", text)  # x.grad, model.layer1.weight
    text = re.sub(r"\w+\(", " ", text)  # calls: backward(
    # next_functions, SinBackward0, retain_graph=True
    text = re.sub(r"\b\w*(_|\d|[a-z][A-Z])\w*\b|=\s*True|=\s*False", " ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in CODE_WORDS]


@pytest.fixture
def chinese() -> Iterator[None]:
    widgets.set_language("zh")
    yield
    widgets.set_language("en")


def test_every_message_has_every_language_with_the_same_fields() -> None:
    for message_id, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), message_id
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(t) if f}
                  for lang, t in texts.items()}
        assert fields["en"] == fields["zh"], message_id
        assert not english_prose(texts["zh"].format(**dict.fromkeys(fields["zh"], "`x`"))), \
            (message_id, texts["zh"])


def test_the_prose_detector_finds_english() -> None:
    assert english_prose("`w.grad` is wrong") == ["is", "wrong"]
    assert english_prose("<code>SinBackward0</code> 的输入 0, grad = x.grad") == []


def check_outputs() -> list[check.CheckResult]:
    """One verdict of every kind."""
    want = np.array([0.5, -1.0, 2.0])
    no_grad = minigrad.ones(2)
    middle = minigrad.ones(2, requires_grad=True) * 2
    fresh = minigrad.ones(2, requires_grad=True)
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    return [
        check.close(want, want, name="x"), check.close(..., want), check.close(None, want),
        check.close("text", want), check.close(minigrad.tensor(5.0), 4.0),
        check.close(minigrad.tensor(want * 3), want), check.close(want * 1.5, want),
        check.close(want / 4, want), check.close(want + 1, want), check.close(-want, want),
        check.close(np.zeros(3), want), check.close(np.zeros((3, 2)), np.zeros((2, 3))),
        check.close(np.zeros((1, 6)), np.zeros(6)), check.close(np.array([np.nan, 1, 1]), want),
        check.close(np.arange(7.0), np.arange(7.0) + np.arange(7.0) ** 2),
        check.close(np.array([[1.0, 2.0], [3.0, 4.0]]).T, np.array([[1.0, 2.0], [3.0, 4.0]])),
        check.gradient(want * 3, want, earlier=[want, want]),
        check.gradient(None, [1, 1], of=no_grad), check.gradient(None, [1, 1], of=middle),
        check.gradient(None, [1, 1], of=fresh),
        check.requires_grad(fresh), check.requires_grad(no_grad),
        check.requires_grad(no_grad, False),
        check.requires_grad(middle, False), check.requires_grad(fresh, False, name="w"),
        check.frozen(model, ("0",)), check.frozen(model, ("9",)),
    ]


def test_checks_speak_chinese(chinese: None) -> None:
    for result in check_outputs():
        assert not english_prose(str(result)), str(result)
        assert not english_prose(result._repr_html_()), str(result)


def stepper_texts(stepper: widgets.BackwardStepper) -> list[str]:
    texts = [b.description + " " + b.tooltip for b in
             (stepper.reset_button, stepper.back_button, stepper.step_button)]
    texts += [stepper.play.description, stepper.speed.description, stepper.slider.description,
              " ".join(label for label, _ in stepper.speed.options),
              stepper.children[2].value, stepper._repr_mimebundle_()[0]["text/plain"]]
    while True:
        texts += [stepper.panel_html_widget.value, _svg_text(stepper.graph_html.value)]
        if not stepper.step():
            return texts


def _svg_text(svg: str) -> str:
    return " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def test_widgets_speak_chinese(chinese: None) -> None:
    a = minigrad.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    x = minigrad.tensor([3.0], requires_grad=True)
    loss = (2 * minigrad.sin(a) + 1).sum() + (x * x).sum() + (a[:3] @ a[:3].exp())
    texts = stepper_texts(widgets.BackwardStepper(loss, names={"a": a, "x": x}))
    loss.backward(retain_graph=True)
    view = widgets.GraphView(loss)
    for node in view.nodes:
        view.select(node)
        texts += [view.info_html.value, view.dropdown.description, view.parent_button.description]
    texts.append(view._repr_mimebundle_()[0]["text/plain"])
    drawing = widgets.draw(loss, names={"a": a}, saved=True, values=True, grads=True)
    texts += [_svg_text(drawing._repr_image_svg_xml()),
              drawing._repr_mimebundle_()[0]["text/plain"]]
    deep = minigrad.ones(2, requires_grad=True)
    for _ in range(20):
        deep = deep * 1.0 + deep
    texts.append(_svg_text(widgets.draw(deep.sum(), max_nodes=5, collapse_chains=2)
                           ._repr_image_svg_xml()))
    plot = widgets.LossPlot()
    plot.update(1.0)
    texts += [plot._axes.get_title(), plot._axes.get_xlabel(), plot._axes.get_ylabel(),
              plot._repr_mimebundle_()[0]["text/plain"]]
    figure = widgets.plot_function_and_derivative(minigrad.sin, minigrad.linspace(0, 1, 5),
                                                  expected=minigrad.cos)
    texts += [t.get_text() for axes in figure.axes for t in
              [axes.title, *axes.get_legend().get_texts()]]
    bars = widgets.plot_grad_magnitudes([("w", x), ("v", minigrad.ones(2, requires_grad=True))])
    texts += [t.get_text() for t in [bars.axes[0].title, bars.axes[0].xaxis.label,
                                     *bars.axes[0].texts]]
    for shown in texts:
        assert not english_prose(shown), (english_prose(shown), shown[:300])
