"""`widgets.check`: every diagnosis, in English and in Chinese (yours against expected)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch

import minigrad
import widgets
from minigrad import nn
from widgets import check


@pytest.fixture(params=["en", "zh"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test in each language, and leave English on afterwards."""
    widgets.set_language(request.param)
    yield request.param
    widgets.set_language("en")


def said(result: check.CheckResult, language: str, en: str, zh: str) -> bool:
    """Whether the verdict contains the phrase of `language`."""
    return (en if language == "en" else zh) in str(result)


def test_the_language_setting_knows_its_languages() -> None:
    assert widgets.get_language() == "en"
    with pytest.raises(ValueError, match=r"'fr'.*en, zh"):
        widgets.set_language("fr")
    assert widgets.get_language() == "en"


def test_a_correct_gradient_from_either_library(language: str) -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x ** 2).sum().backward()
    result = check.gradient(x.grad, [2.0, 4.0], name="x.grad")
    assert result
    assert str(result) == {"en": "✅ `x.grad` is correct.", "zh": "✅ `x.grad` 正确。"}[language]


def test_the_placeholder_is_not_answered_yet(language: str) -> None:
    for result in (check.close(..., 4, name="w.grad"), check.gradient(None, [1.0], name="w.grad"),
                   check.requires_grad(..., name="t"), check.frozen(..., ("layer1",))):
        assert not result
        assert said(result, language, "not answered yet — replace the `...`", "还没有作答")


def test_one_number_is_said_as_one_number(language: str) -> None:
    result = check.close(minigrad.tensor(5.0), 4, name="n")
    assert result.messages[0] == {"en": "`n` is wrong: yours is 5, expected 4.",
                                  "zh": "`n` 不对：你的是 5，期望的是 4。"}[language]
    assert len(result.messages) == 1


def test_wrong_positions_say_yours_then_expected(language: str) -> None:
    answer = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    result = check.gradient(answer, [[1.0, 2.5], [3.0, 5.0]], name="w.grad")
    expected = {"en": ["`w.grad` is wrong at 2 of 4 positions.",
                       "at [0, 1]: yours 2, expected 2.5", "at [1, 1]: yours 4, expected 5"],
                "zh": ["`w.grad` 在 4 个位置中有 2 个不对。",
                       "[0, 1] 处：你的 2，期望 2.5", "[1, 1] 处：你的 4，期望 5"]}
    assert result.messages == expected[language]


def test_a_mean_for_a_sum_is_a_factor_not_an_inverted_verdict(language: str) -> None:
    # 03 Exercise 1 with mean(0) for sum(0): the learner's value is the small one.
    grads = np.arange(1.0, 33.0).reshape(16, 2)
    result = check.gradient(minigrad.tensor(grads.mean(0)), grads.sum(0), name="b.grad")
    assert said(result, language, "yours 16, expected 256", "你的 16，期望 256")
    assert said(result, language, "0.0625×", "0.0625 倍")
    assert said(result, language, "1/16: a mean where a sum belongs",
                "1/16：该用求和的地方用了平均")


def test_a_whole_factor_hints_at_accumulation(language: str) -> None:
    want = np.array([0.5, -1.0, 2.0])
    result = check.gradient(minigrad.tensor(3 * want), want)
    assert said(result, language, "3× the expected value", "3 倍")
    assert said(result, language, "3 `backward()` calls without zeroing",
                "3 次 `backward()` 而不清零")


def test_a_fractional_factor_is_recognised(language: str) -> None:
    want = np.array([0.5, -1.0, 2.0])
    result = check.gradient(minigrad.tensor(1.5 * want), want)
    assert said(result, language, "1.5× the expected value", "1.5 倍")
    assert "zero_grad" in str(result)


def test_a_single_number_with_a_telling_factor(language: str) -> None:
    result = check.gradient(minigrad.tensor(8.0), 4.0, name="w.grad")
    assert said(result, language, "yours is 8, expected 4", "你的是 8，期望的是 4")
    assert said(result, language, "2 `backward()` calls", "2 次 `backward()`")


def test_a_flipped_sign(language: str) -> None:
    want = np.array([0.5, -1.0, 2.0])
    result = check.gradient(minigrad.tensor(-want), want)
    assert said(result, language, "wrong sign", "符号都反了")


def test_a_constant_offset(language: str) -> None:
    # 01 Exercise 1 without the `- 1` of d/dx (3 cos x - x).
    x = np.linspace(-3, 3, 9)
    result = check.close(minigrad.tensor(-3 * np.sin(x)), -3 * np.sin(x) - 1, name="your_formula")
    assert said(result, language, "off by a constant", "差了一个常数")
    assert "= 1" in str(result)


def test_a_transposed_square_matrix(language: str) -> None:
    jacobian = np.array([[1.0, 2.0], [3.0, 4.0]])
    result = check.close(minigrad.tensor(jacobian.T), jacobian, name="J")
    assert said(result, language, "transpose of the expected matrix", "转置")


def test_a_transposed_shape(language: str) -> None:
    result = check.gradient(minigrad.zeros(3, 2), np.zeros((2, 3)))
    assert said(result, language, "shape (3, 2), expected (2, 3)", "形状是 (3, 2)，期望的是 (2, 3)")
    assert said(result, language, "transposed", "转置")


def test_a_gradient_never_zeroed_between_steps(language: str) -> None:
    # 04 Exercise 2 without zero_grad: after three steps .grad holds all three gradients.
    minigrad.manual_seed(0)
    w = minigrad.randn(3, requires_grad=True)
    step_grads = []
    for _ in range(3):
        x = minigrad.randn(3)
        (w * x).sum().pow(2).backward()
        step_grads.append(2 * (w * x).sum().detach() * x)
    result = check.gradient(w.grad, step_grads[-1], of=w, name="w.grad", earlier=step_grads[:-1])
    assert said(result, language, "sum of the gradients of the last 3 steps", "最近 3 步梯度之和")
    assert "zero_grad()" in str(result)


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_a_wrong_grad_of_a_tensor_may_hold_earlier_passes(language: str, lib) -> None:
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    (w**3).sum().backward()  # not zeroed in between: no factor, no offset to recognise
    last_pass_alone = 3 * w.detach() ** 2
    result = check.gradient(w.grad, last_pass_alone, of=w, name="w.grad")
    assert not result.ok
    assert said(result, language, "If earlier `backward()` calls ran without zeroing",
                "如果之前的 `backward()` 调用之间没有清零")
    # Not said of a value that is not a tensor's `.grad`.
    other = check.gradient(w.grad * 1.0, last_pass_alone, of=w, name="w.grad")
    assert "zero_grad" not in str(other)


def test_a_missing_gradient_says_why(language: str) -> None:
    no_grad = minigrad.ones(2)
    assert said(check.gradient(no_grad.grad, [1, 1], of=no_grad), language,
                "create it with `requires_grad=True`", "创建时加上 `requires_grad=True`")
    leaf = minigrad.ones(2, requires_grad=True)
    middle = leaf * 2
    middle.sum().backward()
    assert said(check.gradient(None, [1, 1], of=middle), language, "not a leaf", "不是叶子")
    assert ".retain_grad()" in str(check.gradient(None, [1, 1], of=middle))
    fresh = minigrad.ones(2, requires_grad=True)
    assert said(check.gradient(fresh.grad, [1, 1], of=fresh), language,
                "has not reached it yet", "还没有到达它")


def test_the_tensor_passed_instead_of_its_grad(language: str) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    assert said(check.gradient(x, [3.0, 3.0]), language, "You passed the tensor itself",
                "你传入的是张量本身")


def test_requires_grad_both_ways(language: str) -> None:
    assert check.requires_grad(minigrad.ones(1, requires_grad=True), name="t")
    missing = check.requires_grad(minigrad.ones(1), name="t")
    assert "requires_grad=True" in str(missing)
    made = minigrad.ones(1, requires_grad=True) * 2
    assert "no_grad" in str(check.requires_grad(made, expected=False, name="made"))
    parameter = nn.Linear(2, 2).weight
    advice = str(check.requires_grad(parameter, expected=False, name="model[0].weight"))
    assert "`model[0].weight.requires_grad_(False)`" in advice and "detach" not in advice


def two_layer_model() -> nn.Module:
    """A model with layer1 and layer2, as in 05's freezing exercise."""

    class TwoLayers(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer1 = nn.Linear(4, 3)
            self.layer2 = nn.Linear(3, 1)

    return TwoLayers()


def test_frozen_names_the_parameters_on_the_wrong_side(language: str) -> None:
    model = two_layer_model()
    model.layer2.requires_grad_(False)  # froze the wrong layer
    result = check.frozen(model, frozen=("layer1",))
    assert not result
    assert said(result, language, "Should be frozen but still require grad: `layer1.weight`, "
                "`layer1.bias`", "应当冻结却仍需要梯度：`layer1.weight`, `layer1.bias`")
    assert said(result, language, "Frozen but should train: `layer2.weight`, `layer2.bias`",
                "被冻结了、但应当训练：`layer2.weight`, `layer2.bias`")
    assert "requires_grad_(False)" in str(result) and "detach" not in str(result)
    model.layer2.requires_grad_(True)
    model.layer1.requires_grad_(False)
    assert check.frozen(model, frozen=("layer1",))
    assert said(check.frozen(model, "layer3"), language, "no parameter under `layer3`",
                "没有 `layer3` 下的参数")


def test_require_raises_the_diagnosis(language: str) -> None:
    assert check.require(check.close(4, 4, name="n"))
    with pytest.raises(AssertionError) as failure:
        check.require(check.close(5, 4, name="n"))
    assert str(failure.value) == str(check.close(5, 4, name="n"))


def test_a_verdict_shows_as_html_with_code(language: str) -> None:
    html = check.gradient(minigrad.tensor([1.0, 3.0]), [2.0, 3.0], name="x.grad")._repr_html_()
    assert "❌ <code>x.grad</code>" in html
    assert {"en": "<li>at [0]: yours 1, expected 2</li>",
            "zh": "<li>[0] 处：你的 1，期望 2</li>"}[language] in html
