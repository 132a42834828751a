"""Every text the widgets and checks show, in English and Chinese, keyed by message id.

    widgets.set_language("zh")     # the zh notebooks' first cell does this
    text("check.correct", name="`w.grad`")

Code stays code in both languages (`w.grad`, `backward()`, node names), since the code
cells of the en and zh notebooks are identical; only the prose around it is translated.
Messages are `str.format` templates; a test checks every id has both languages with the
same fields.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "MESSAGES", "get_language", "set_language", "text"]

LANGUAGES = ("en", "zh")
_current = {"language": "en"}


def set_language(language: str) -> None:
    """Show every widget and check text in `language` ("en" or "zh") from now on."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    _current["language"] = language


def get_language() -> str:
    """The language widgets and checks speak now ("en" or "zh")."""
    return _current["language"]


def text(message_id: str, **fields: object) -> str:
    """The message `message_id` in the current language, with `fields` filled in."""
    return MESSAGES[message_id][_current["language"]].format(**fields)


MESSAGES: dict[str, dict[str, str]] = {
    # Checks: verdicts ---------------------------------------------------------------------
    "check.your_answer": {"en": "Your answer", "zh": "你的答案"},
    "check.correct": {"en": "{name} is correct.", "zh": "{name} 正确。"},
    "check.unanswered": {
        "en": "{name}: not answered yet — replace the `...` with your answer.",
        "zh": "{name}：还没有作答——把 `...` 换成你的答案。"},
    "check.none_hint": {
        "en": "If this is a `.grad`, it stays `None` until `backward()` reaches the tensor.",
        "zh": "如果这是一个 `.grad`：在 `backward()` 到达该张量之前，它一直是 `None`。"},
    "check.not_tensor": {"en": "{name} should be a tensor, but yours is a `{kind}`.",
                         "zh": "{name} 应当是张量，但你给的是 `{kind}`。"},
    "shape.scalar": {"en": "scalar", "zh": "标量"},
    "check.shape": {"en": "{name} has shape {yours}, expected {expected}.",
                    "zh": "{name} 的形状是 {yours}，期望的是 {expected}。"},
    "check.shape_transposed": {
        "en": "It looks transposed: rows and columns are swapped.",
        "zh": "看起来转置了：行和列对调了。"},
    "check.shape_reshape": {
        "en": "It has the right number of elements: `reshape` it?",
        "zh": "元素个数是对的：需要 `reshape` 一下吗？"},
    "check.nan": {"en": "{name} contains nan at {count} position(s), first at {where}.",
                  "zh": "{name} 在 {count} 个位置上是 nan，第一个在 {where}。"},
    "check.wrong_one": {"en": "{name} is wrong: yours is {yours}, expected {expected}.",
                        "zh": "{name} 不对：你的是 {yours}，期望的是 {expected}。"},
    "check.wrong_many": {"en": "{name} is wrong at {count} of {total} positions.",
                         "zh": "{name} 在 {total} 个位置中有 {count} 个不对。"},
    "check.position": {"en": "at {where}: yours {yours}, expected {expected}",
                       "zh": "{where} 处：你的 {yours}，期望 {expected}"},
    "check.more": {"en": "… and {count} more.", "zh": "……还有 {count} 处。"},
    # Checks: diagnoses --------------------------------------------------------------------
    "check.sign": {"en": "Every value has the wrong sign: check the sign of your derivative.",
                   "zh": "每个值的符号都反了：检查一下导数的正负号。"},
    "check.offset": {
        "en": "Yours is off by a constant: every value is {offset} away from the expected one "
              "(yours − expected = {offset}). Look for a constant term you added or dropped.",
        "zh": "整体差了一个常数：每个值都与期望值相差 {offset}（你的 − 期望 = {offset}）。"
              "找找多加或漏掉的常数项。"},
    "check.factor": {"en": "Yours is {factor}× the expected value everywhere.",
                     "zh": "你的结果处处是期望值的 {factor} 倍。"},
    "check.factor_accumulated": {
        "en": "A whole number like this is what {count} `backward()` calls without zeroing give: "
              "gradients add up in `.grad`. Zero them before each backward "
              "(`optimizer.zero_grad()` or `x.grad = None`).",
        "zh": "这样的整数倍正是 {count} 次 `backward()` 而不清零的结果：梯度会在 `.grad` 里累加。"
              "每次 backward 之前先清零（`optimizer.zero_grad()` 或 `x.grad = None`）。"},
    "check.factor_mean": {
        "en": "That is 1/{count}: a mean where a sum belongs (or the other way round)?",
        "zh": "这是 1/{count}：该用求和的地方用了平均（或者反过来）？"},
    "check.factor_scale": {
        "en": "Check how each term is scaled: a constant factor in the formula, or a `.mean()` "
              "against a `.sum()`.",
        "zh": "检查每一项的缩放：公式里的常数因子，或者 `.mean()` 与 `.sum()` 用混了。"},
    "check.factor_maybe_accumulated": {
        "en": "Or `.grad` still holds the gradients of earlier `backward()` calls: they add up "
              "until something zeroes them (`optimizer.zero_grad()` or `x.grad = None`).",
        "zh": "也可能是 `.grad` 里还留着之前几次 `backward()` 的梯度：在清零之前它们会一直累加"
              "（`optimizer.zero_grad()` 或 `x.grad = None`）。"},
    "check.grad_may_hold_earlier": {
        "en": "If earlier `backward()` calls ran without zeroing, {name} holds their gradients "
              "too: they add up until something zeroes them (`optimizer.zero_grad()` or "
              "`x.grad = None`).",
        "zh": "如果之前的 `backward()` 调用之间没有清零，{name} 里也留着它们的梯度："
              "在清零之前梯度会一直累加（`optimizer.zero_grad()` 或 `x.grad = None`）。"},
    "check.transposed": {
        "en": "Yours is the transpose of the expected matrix: rows and columns are swapped "
              "(J against Jᵀ?).",
        "zh": "你的矩阵正好是期望矩阵的转置：行和列对调了（J 与 Jᵀ 搞反了？）。"},
    "check.summed_steps": {
        "en": "Yours is the sum of the gradients of the last {count} steps: `.grad` kept "
              "accumulating because nothing zeroed it. Call `optimizer.zero_grad()` each step.",
        "zh": "你的结果是最近 {count} 步梯度之和：没有清零，`.grad` 一直在累加。"
              "每一步都调用 `optimizer.zero_grad()`。"},
    "check.zeros": {
        "en": "Yours is all zeros: did the gradient flow through an operation with zero "
              "derivative, or was `.grad` zeroed after `backward()`?",
        "zh": "你的结果全是 0：梯度是否流经了导数为 0 的运算，或者在 `backward()` 之后 `.grad` "
              "被清零了？"},
    "check.passed_tensor": {
        "en": "You passed the tensor itself: the answer is its `.grad` (and that one is correct).",
        "zh": "你传入的是张量本身：答案应是它的 `.grad`（而它是对的）。"},
    # Checks: missing gradients ------------------------------------------------------------
    "check.grad_none": {"en": "{name} is `None`.", "zh": "{name} 是 `None`。"},
    "check.grad_no_requires": {
        "en": "The tensor does not require grad: create it with `requires_grad=True` (or call "
              "`.requires_grad_()`) before computing with it.",
        "zh": "该张量不需要梯度：创建时加上 `requires_grad=True`（或先调用 `.requires_grad_()`），"
              "再用它计算。"},
    "check.grad_not_leaf": {
        "en": "The tensor is not a leaf (it has `grad_fn={node}`): `backward()` fills `.grad` "
              "only for leaves. Call `.retain_grad()` on it before `backward()`.",
        "zh": "该张量不是叶子（它有 `grad_fn={node}`）：`backward()` 只为叶子填写 `.grad`。"
              "请在 `backward()` 之前对它调用 `.retain_grad()`。"},
    "check.grad_not_reached": {
        "en": "The tensor requires grad, so `backward()` has not reached it yet: call "
              "`backward()` on a result computed from it.",
        "zh": "该张量需要梯度，所以是 `backward()` 还没有到达它：对一个由它算出的结果调用 "
              "`backward()`。"},
    # Checks: requires_grad and frozen layers ----------------------------------------------
    "check.requires_ok": {"en": "{name} requires grad, as it should.",
                          "zh": "{name} 需要梯度，正确。"},
    "check.no_requires_ok": {"en": "{name} does not require grad, as it should.",
                             "zh": "{name} 不需要梯度，正确。"},
    "check.requires_missing": {"en": "{name} does not require grad.", "zh": "{name} 不需要梯度。"},
    "check.requires_how": {
        "en": "Create it with `requires_grad=True`, or call `.requires_grad_()` on a leaf.",
        "zh": "创建时加上 `requires_grad=True`，或对叶子调用 `.requires_grad_()`。"},
    "check.requires_extra": {"en": "{name} requires grad, but should not.",
                             "zh": "{name} 需要梯度，但它不应该需要。"},
    "check.requires_extra_computed": {
        "en": "It was computed with autograd on: compute it under `with torch.no_grad():`, or "
              "take `.detach()` of the result.",
        "zh": "它是在开启 autograd 时算出来的：放在 `with torch.no_grad():` 下计算，或对结果取 "
              "`.detach()`。"},
    "check.requires_extra_leaf": {
        "en": "Switch it off in place: `{name}.requires_grad_(False)` (or `requires_grad = "
              "False`).",
        "zh": "原地关掉它：`{name}.requires_grad_(False)`（或 `requires_grad = False`）。"},
    "check.frozen_ok": {"en": "Exactly {frozen} frozen; the other parameters train.",
                        "zh": "恰好冻结了 {frozen}；其余参数照常训练。"},
    "check.frozen_wrong": {"en": "The wrong parameters are frozen.",
                           "zh": "冻结的参数不对。"},
    "check.frozen_should": {
        "en": "Should be frozen but still require grad: {names}. Freeze them with "
              "`p.requires_grad_(False)` (or `p.requires_grad = False`) for each.",
        "zh": "应当冻结却仍需要梯度：{names}。对每个参数调用 `p.requires_grad_(False)`"
              "（或 `p.requires_grad = False`）。"},
    "check.frozen_should_not": {
        "en": "Frozen but should train: {names}. Switch them back on with "
              "`p.requires_grad_(True)`.",
        "zh": "被冻结了、但应当训练：{names}。用 `p.requires_grad_(True)` 重新打开。"},
    "check.frozen_unknown": {
        "en": "The model has no parameter under {names}: its parameters are {known}.",
        "zh": "模型里没有 {names} 下的参数：它的参数有 {known}。"},
    "check.and": {"en": " and ", "zh": "和"},
    # Graph drawings -------------------------------------------------------------------------
    "render.plain_graph": {
        "en": "[a drawing of the backward graph: run the cell to see it]",
        "zh": "[反向计算图的绘图：运行该单元格即可看到]"},
    "graph.kind.leaf": {"en": "leaf tensor (its AccumulateGrad)",
                        "zh": "叶子张量（它的 AccumulateGrad）"},
    "graph.kind.op": {"en": "backward node (a grad_fn)", "zh": "反向节点（一个 grad_fn）"},
    "graph.kind.output": {"en": "output tensor", "zh": "输出张量"},
    "graph.kind.chain": {"en": "chain of one-input nodes", "zh": "单输入节点组成的链"},
    "graph.kind.more": {"en": "nodes not drawn (max_nodes)", "zh": "未画出的节点（max_nodes）"},
    "graph.legend": {"en": "legend: arrows show the forward pass; gradients flow against them",
                     "zh": "图例：箭头表示前向计算；梯度逆着箭头流动"},
    "graph.freed": {"en": "freed by backward", "zh": "已被 backward 释放"},
    "graph.tensor": {"en": "tensor", "zh": "张量"},
    "graph.output": {"en": "output", "zh": "输出"},
    "graph.leaf": {"en": "leaf", "zh": "叶子"},
    "graph.chain": {"en": "{count} nodes in a chain", "zh": "{count} 个节点连成的链"},
    "graph.more": {"en": "… {count} more nodes", "zh": "……另有 {count} 个节点"},
    "graph.not_drawn": {"en": "not drawn (max_nodes={max_nodes})",
                        "zh": "未画出（max_nodes={max_nodes}）"},
    "graph.makes": {"en": "makes {name} {shape}", "zh": "生成 {name} {shape}"},
    "graph.saved": {"en": "saved {name} = {value}", "zh": "保存的 {name} = {value}"},
    # The backward stepper -------------------------------------------------------------------
    "stepper.slow": {"en": "slow", "zh": "慢"},
    "stepper.normal": {"en": "normal", "zh": "中"},
    "stepper.fast": {"en": "fast", "zh": "快"},
    "stepper.reset": {"en": "Reset", "zh": "重置"},
    "stepper.reset_tip": {"en": "start the pass again", "zh": "重新开始反向传播"},
    "stepper.back": {"en": "Back", "zh": "后退"},
    "stepper.back_tip": {"en": "undo the last step", "zh": "撤销上一步"},
    "stepper.step": {"en": "Step", "zh": "单步"},
    "stepper.step_tip": {"en": "run the next node of the backward pass",
                         "zh": "运行反向传播的下一个节点"},
    "stepper.play": {"en": "play", "zh": "播放"},
    "stepper.speed": {"en": "speed", "zh": "速度"},
    "stepper.slider": {"en": "step", "zh": "步"},
    "stepper.title": {"en": "Step {position} of {total}", "zh": "第 {position} 步，共 {total} 步"},
    "stepper.ready": {"en": "Ready: the backward pass starts at the output",
                      "zh": "准备就绪：反向传播从输出开始"},
    "stepper.seed": {"en": "The gradient of the output with respect to itself is the seed:",
                     "zh": "输出对它自身的梯度就是起点（种子梯度）："},
    "stepper.press_step": {"en": "Press <b>Step</b> to run the first node, {node}.",
                           "zh": "按 <b>单步</b> 运行第一个节点 {node}。"},
    "stepper.forward": {"en": "forward", "zh": "前向"},
    "stepper.arriving": {"en": "gradient arriving: ∂output/∂(this node's result)",
                         "zh": "到达的梯度：∂输出/∂(本节点的结果)"},
    "stepper.local": {"en": "local derivative → gradient sent to each input",
                      "zh": "局部导数 → 发给每个输入的梯度"},
    "stepper.constant": {"en": "a constant", "zh": "常量"},
    "stepper.no_gradient": {"en": "nothing: no gradient needed", "zh": "无：不需要梯度"},
    "stepper.input": {"en": "input {number}", "zh": "输入 {number}"},
    "stepper.accumulate_title": {"en": "<code>AccumulateGrad</code> of {leaf}",
                                 "zh": "{leaf} 的 <code>AccumulateGrad</code>"},
    "stepper.accumulate": {"en": "adds the gradient that arrived to {grad}",
                           "zh": "把到达的梯度加到 {grad} 上"},
    "stepper.contribution": {"en": "1 contribution arrived", "zh": "到达了 1 份梯度"},
    "stepper.contributions": {"en": "{count} contributions arrived",
                              "zh": "到达了 {count} 份梯度"},
    "stepper.from": {"en": "from {node} input {number}", "zh": "来自 {node} 的输入 {number}"},
    "stepper.summed": {"en": "the engine summed them into one gradient:",
                       "zh": "引擎把它们相加成一个梯度："},
    "stepper.before_after": {"en": "before → after", "zh": "之前 → 之后"},
    "stepper.leaves_now": {"en": "leaves' .grad now", "zh": "叶子当前的 .grad"},
    "stepper.print": {"en": "as <code>print</code> shows it", "zh": "<code>print</code> 的输出"},
    "stepper.error": {"en": "The engine raised an error", "zh": "引擎报错了"},
    "stepper.press_reset": {"en": "Press <b>Reset</b> to start the pass again.",
                            "zh": "按 <b>重置</b> 重新开始反向传播。"},
    "stepper.plain": {
        "en": "[a backward stepper over {total} steps: run the cell to step through it]",
        "zh": "[共 {total} 步的反向传播单步演示：运行该单元格即可逐步查看]"},
    "legend.running": {"en": "running now", "zh": "正在运行"},
    "legend.done": {"en": "done", "zh": "已完成"},
    "legend.waiting": {"en": "backward node, waiting", "zh": "反向节点，等待中"},
    "legend.leaf": {"en": "leaf tensor", "zh": "叶子张量"},
    "legend.output": {"en": "output", "zh": "输出"},
    "legend.just_sent": {"en": "gradient just sent", "zh": "刚发出的梯度"},
    "legend.sent_earlier": {"en": "gradient sent earlier", "zh": "之前发出的梯度"},
    "legend.forward": {"en": "forward pass", "zh": "前向计算"},
    # Plots --------------------------------------------------------------------------------
    "plot.loss_title": {"en": "training loss", "zh": "训练损失"},
    "plot.step": {"en": "step", "zh": "步数"},
    "plot.loss": {"en": "loss", "zh": "损失"},
    "plot.loss_after": {"en": "{title}: {loss} after {steps} steps",
                        "zh": "{title}：{steps} 步后为 {loss}"},
    "plot.no_steps": {"en": "{title}: no steps yet", "zh": "{title}：还没有训练"},
    "plot.plain": {"en": "[a loss curve over {steps} steps: run the cell to see it live]",
                   "zh": "[{steps} 步的损失曲线：运行该单元格即可实时查看]"},
    "plot.by_hand": {"en": "by hand", "zh": "手算"},
    "plot.derivative_of": {"en": "derivative of {label}", "zh": "{label} 的导数"},
    "plot.grad_none": {"en": "grad is None", "zh": "grad 为 None"},
    "plot.norm": {"en": "‖grad‖ (L2 norm)", "zh": "‖grad‖（L2 范数）"},
    "plot.magnitudes": {"en": "gradient magnitude per parameter", "zh": "每个参数的梯度大小"},
    # GraphView ----------------------------------------------------------------------------
    "view.node": {"en": "node", "zh": "节点"},
    "view.parent": {"en": "↑ back to the node that uses it", "zh": "↑ 回到使用它的节点"},
    "view.reached": {"en": "reached by {path}", "zh": "经由 {path} 到达"},
    "view.none_child": {"en": "None (a constant: no gradient flows there)",
                        "zh": "None（常量：梯度不流向那里）"},
    "view.no_children": {"en": "nothing below, the walk ends here",
                         "zh": "下面没有节点了，遍历到此结束"},
    "view.variable": {"en": "variable (the leaf tensor)", "zh": "variable（叶子张量）"},
    "view.saved": {"en": "saved for backward", "zh": "为反向传播保存的值"},
    "view.retain": {"en": " (backward(retain_graph=True) keeps it)",
                    "zh": "（backward(retain_graph=True) 会保留它）"},
    "view.nothing": {"en": "nothing", "zh": "无"},
    "view.plain": {"en": "[a graph explorer: run the cell to walk its next_functions]",
                   "zh": "[计算图浏览器：运行该单元格即可沿 next_functions 逐个查看]"},
    # Local derivatives in words (formulas stay code) ------------------------------------
    "rule.leaf": {"en": "a leaf tensor", "zh": "一个叶子张量"},
    "rule.reshaped": {"en": "grad reshaped back to self's shape", "zh": "grad 变形回 self 的形状"},
    "rule.sum_all": {"en": "grad copied to every element of self",
                   "zh": "grad 复制到 self 的每个元素"},
    "rule.sum_dims": {"en": "grad copied along the summed dims", "zh": "grad 沿被求和的维度复制"},
    "rule.mean_all": {"en": "grad / self.numel(), to every element",
                    "zh": "grad / self.numel()，发给每个元素"},
    "rule.mean_dims": {"en": "grad / n, copied along the averaged dims",
                     "zh": "grad / n，沿被平均的维度复制"},
    "rule.linear": {"en": "result = beta * self + alpha * (mat1 @ mat2), a linear layer",
                  "zh": "result = beta * self + alpha * (mat1 @ mat2)，即线性层"},
    "rule.bias": {"en": "beta * grad, summed over the batch (the bias)",
                "zh": "beta * grad，在批次上求和（偏置）"},
    "rule.transposed": {"en": "grad transposed back", "zh": "grad 转置回去"},
    "rule.permuted": {"en": "grad permuted back", "zh": "grad 按原顺序换回维度"},
    "rule.expanded": {"en": "grad summed over the expanded dims",
                    "zh": "grad 在被扩展的维度上求和"},
    "rule.select": {"en": "zeros of self's shape, with grad at the selected index",
                  "zh": "self 形状的全零张量，在选中的下标处放入 grad"},
    "rule.slice": {"en": "zeros of self's shape, with grad in the slice",
                 "zh": "self 形状的全零张量，在切片处放入 grad"},
    "rule.index": {"en": "zeros of self's shape, grad added at the indices",
                 "zh": "self 形状的全零张量，在这些下标处加上 grad"},
    "rule.cast": {"en": "grad cast back to self's dtype", "zh": "grad 转换回 self 的 dtype"},
    "rule.slice_of_grad": {"en": "each input's slice of grad", "zh": "每个输入对应的那一段 grad"},
    "rule.self_larger": {"en": "grad where self is larger", "zh": "self 较大处的 grad"},
    "rule.other_larger": {"en": "grad where other is larger", "zh": "other 较大处的 grad"},
    "rule.unknown_op": {"en": "an op this kit has no description for",
                      "zh": "本工具包尚未描述的运算"},
    "rule.generic": {"en": "grad times this op's local derivative (a vector-Jacobian product)",
                   "zh": "grad 乘以该运算的局部导数（向量-雅可比积）"},
}
