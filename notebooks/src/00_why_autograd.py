"""00 — Why automatic differentiation? The learner's preamble: by hand, symbolic, numerical, AD."""

from build import Code, Exercise, Markdown

CELLS = [
    Markdown(
        en=r"""
# 00 · Why automatic differentiation?

Training a model means nudging its parameters downhill on the loss, and "downhill" is a
derivative. Before we let `minigrad` compute derivatives for us, this notebook looks at the
ways you could compute them yourself, and at what goes wrong with each.

**After this notebook you will be able to**

- differentiate a small function by hand and check the result with autograd;
- explain why finite differences lose accuracy both for large and for small steps $h$;
- recognise *expression swell*, the reason symbolic derivatives get out of hand;
- use both modes of automatic differentiation in `minigrad`: forward mode with dual numbers
  (`minigrad.autograd.forward_ad`) and reverse mode with `backward()`;
- say why training uses reverse mode: one backward pass gives the gradient with respect to
  *every* parameter.
""",
        zh=r"""
# 00 · 为什么需要自动微分？

训练模型，就是沿着损失下降的方向一点点调整参数，而"下降的方向"正是由导数给出的。
在让 `minigrad` 替我们求导之前，先看看自己动手求导有哪些办法，以及每种办法会遇到什么问题。

**学完本节，你将能够**

- 手动求一个小函数的导数，并用自动微分验证结果；
- 解释为什么有限差分法在步长 $h$ 太大或太小时都会失准；
- 认识*表达式膨胀*——符号微分难以应对大模型的原因；
- 在 `minigrad` 中使用自动微分的两种模式：基于对偶数的前向模式（`minigrad.autograd.forward_ad`）
  和基于 `backward()` 的反向模式；
- 说明训练为什么用反向模式：一次反向传播就能得到损失对*所有*参数的梯度。
""",
    ),
    Code("""
import matplotlib.pyplot as plt
import numpy as np

import minigrad as torch
import widgets
from minigrad.autograd import forward_ad as fwAD
"""),
    Markdown(
        en=r"""
## 1 · By hand

Take $f(x) = x^2 \sin x$. The product rule gives

$$f'(x) = 2x\,\sin x + x^2 \cos x .$$

Let us write both down as code and evaluate them at $x = 1.5$.
""",
        zh=r"""
## 1 · 手动求导

以 $f(x) = x^2 \sin x$ 为例。用乘积法则可得

$$f'(x) = 2x\,\sin x + x^2 \cos x .$$

把两者都写成代码，在 $x = 1.5$ 处求值。
""",
    ),
    Code("""
def f(x):
    return x**2 * torch.sin(x)


def df_by_hand(x):
    return 2 * x * torch.sin(x) + x**2 * torch.cos(x)


x = torch.tensor(1.5)
print(f(x))
print(df_by_hand(x))
"""),
    Markdown(
        en=r"""
Autograd gets the same number without being told the product rule: mark `x` with
`requires_grad=True`, compute $f$, call `backward()`, read `x.grad`.
""",
        zh=r"""
自动微分不需要我们告诉它乘积法则，也能得到同一个数：给 `x` 加上 `requires_grad=True`，
计算 $f$，调用 `backward()`，然后读取 `x.grad`。
""",
    ),
    Code("""
x = torch.tensor(1.5, requires_grad=True)
y = f(x)
y.backward()
print(y)
print(x.grad)
"""),
    Markdown(
        en=r"""
Doing it by hand is fine for one formula. A network has millions of parameters and its loss
is a composition of thousands of operations: nobody writes that derivative by hand, and a
single slip makes training silently wrong.

## 2 · Symbolically

A computer algebra system applies the same rules mechanically to the *expression tree*. Here
is a tiny one: expressions are nested tuples, `"x"` is the variable, and `derivative` knows the
sum, product and chain rules. The helpers `add` and `mul` already simplify `0 + u`, `1 * u`
and `0 * u`, so the comparison below is fair.
""",
        zh=r"""
一个公式手动推导没有问题。但神经网络有数百万个参数，损失是成千上万个运算的复合：
没有人会手写这样的导数，而且一处笔误就会让训练悄无声息地出错。

## 2 · 符号微分

计算机代数系统把同样的求导法则机械地应用到*表达式树*上。下面是一个极简版本：
表达式是嵌套的元组，`"x"` 是自变量，`derivative` 掌握加法、乘法和链式法则。
辅助函数 `add` 和 `mul` 已经会化简 `0 + u`、`1 * u` 和 `0 * u`，这样后面的比较才公平。
""",
    ),
    Code('''
def add(u, v):
    return v if u == 0 else u if v == 0 else ("+", u, v)


def sub(u, v):
    return u if v == 0 else ("-", u, v)


def mul(u, v):
    if u == 0 or v == 0:
        return 0
    return v if u == 1 else u if v == 1 else ("*", u, v)


def derivative(e):
    """d e / d x, by the rules of calculus applied to the expression tree."""
    if e == "x":
        return 1
    if isinstance(e, (int, float)):
        return 0
    op, *args = e
    if op == "+":
        return add(derivative(args[0]), derivative(args[1]))
    if op == "-":
        return sub(derivative(args[0]), derivative(args[1]))
    if op == "*":
        u, v = args
        return add(mul(derivative(u), v), mul(u, derivative(v)))
    if op == "sin":
        return mul(("cos", args[0]), derivative(args[0]))
    raise ValueError(f"no rule for {op}")


def text(e):
    """An expression written out, the way you would on paper."""
    if not isinstance(e, tuple):
        return str(e)
    op, *args = e
    if op in ("sin", "cos"):
        return f"{op}({text(args[0])})"
    return f"({text(args[0])} {op} {text(args[1])})"
'''),
    Code("""
f_expression = mul(mul("x", "x"), ("sin", "x"))
print(text(f_expression))
print(text(derivative(f_expression)))
"""),
    Markdown(
        en=r"""
Exactly our $f'(x)$ (with $x + x$ for $2x$). So far so good.

### Expression swell

Now nest a function inside itself. The logistic map $\ell_{n+1} = 4\,\ell_n (1 - \ell_n)$ with
$\ell_1 = x$ is a classic example: $\ell_n$ uses $\ell_{n-1}$ **twice**, and the product rule
copies each factor once more into the derivative.
""",
        zh=r"""
这正是我们的 $f'(x)$（$2x$ 写成了 $x + x$）。到这里一切顺利。

### 表达式膨胀

现在把函数一层层嵌套起来。经典例子是 logistic 映射 $\ell_{n+1} = 4\,\ell_n (1 - \ell_n)$，
$\ell_1 = x$：$\ell_n$ 中 $\ell_{n-1}$ 出现了**两次**，而乘积法则又会把每个因子在导数里再复制一遍。
""",
    ),
    Code("""
def logistic(n):
    expression = "x"
    for _ in range(n - 1):
        expression = mul(mul(4, expression), sub(1, expression))
    return expression


for n in (2, 3):
    print(f"l{n}  =", text(logistic(n)))
    print(f"l{n}' =", text(derivative(logistic(n))))
"""),
    Markdown(
        en=r"""
Already unreadable at $n = 3$. Let us count. *Written out* means the expression as a tree,
every repeated piece copied; *shared* counts each distinct sub-expression once, as a graph
would store it. The last column is the number of nodes `minigrad` records when it computes
$\ell_n$ for real: the graph that `backward()` will walk.
""",
        zh=r"""
$n = 3$ 时就已经看不懂了。我们来数一数。*展开写出*指把表达式当作一棵树，重复的部分都复制一份；
*共享*则每个不同的子表达式只算一次，就像计算图存储它那样。最后一列是 `minigrad`
真正计算 $\ell_n$ 时记录下来的节点数——也就是 `backward()` 将要遍历的计算图。
""",
    ),
    Code("""
def size(e):
    return 1 + sum(size(a) for a in e[1:]) if isinstance(e, tuple) else 1


def shared_size(e, seen=None):
    seen = set() if seen is None else seen
    if isinstance(e, tuple) and e not in seen:
        seen.add(e)
        for a in e[1:]:
            shared_size(a, seen)
    return len(seen)


def graph_nodes(tensor):
    \"\"\"Distinct backward nodes reachable from tensor.grad_fn.\"\"\"
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)


def logistic_tensor(x, n):
    for _ in range(n - 1):
        x = 4 * x * (1 - x)
    return x


print(" n   l_n written out   l_n' written out   l_n' shared   autograd graph")
swell = []
for n in range(2, 9):
    l_n = logistic(n)
    dl_n = derivative(l_n)
    nodes = graph_nodes(logistic_tensor(torch.tensor(0.3, requires_grad=True), n))
    swell.append((n, size(l_n), size(dl_n), shared_size(dl_n), nodes))
    print(f"{n:2d} {size(l_n):17d} {size(dl_n):18d} {shared_size(dl_n):13d} {nodes:16d}")
"""),
    Code("""
ns = [row[0] for row in swell]
figure, axes = plt.subplots(figsize=(6, 3.2), constrained_layout=True)
axes.semilogy(ns, [row[2] for row in swell], "o-", label="derivative written out")
axes.semilogy(ns, [row[3] for row in swell], "s-", label="derivative, shared sub-expressions")
axes.semilogy(ns, [row[4] for row in swell], "^-", label="autograd graph of l_n")
axes.set_xlabel("nesting depth n")
axes.set_ylabel("size (nodes)")
axes.set_title("expression swell")
axes.legend(fontsize=8)
plt.show()
"""),
    Markdown(
        en=r"""
Written out, the derivative grows by a factor of about 2.4 per level: exponentially. Stored as
a graph with shared pieces, it grows by a constant per level. Automatic differentiation lives
on that graph: it never writes the derivative down as a formula, it only evaluates the
local derivative of each recorded operation and combines the numbers with the chain rule.

## 3 · Numerically: finite differences

The definition of the derivative suggests just taking a small step $h$:

$$\text{forward: } \frac{f(x+h) - f(x)}{h}, \qquad
  \text{central: } \frac{f(x+h) - f(x-h)}{2h}.$$

By Taylor's theorem the forward difference is off by about $\tfrac{h}{2} f''(x)$ and the central
one by about $\tfrac{h^2}{6} f'''(x)$: the **truncation error** shrinks with $h$. But
floating-point numbers carry only about 7 (float32) or 16 (float64) significant digits:
$f(x+h)$ and $f(x)$ agree in more and more leading digits, and the subtraction leaves mostly
noise of size $\varepsilon\,|f(x)|$, which the division by $h$ then *amplifies*: the **rounding
error** grows like $\varepsilon / h$. Let us measure both, for steps $h = 10^{-1}, \dots, 10^{-16}$.
""",
        zh=r"""
展开写出时，导数每加深一层大约变成原来的 2.4 倍——指数增长。而以共享子表达式的图来存储，
每层只增加一个常数。自动微分正是在这张图上工作的：它从不把导数写成公式，
只计算每个记录下来的运算的局部导数，再用链式法则把这些数值组合起来。

## 3 · 数值微分：有限差分法

导数的定义提示我们：取一个很小的步长 $h$ 就行了：

$$\text{前向差分: } \frac{f(x+h) - f(x)}{h}, \qquad
  \text{中心差分: } \frac{f(x+h) - f(x-h)}{2h}.$$

由泰勒公式，前向差分的误差约为 $\tfrac{h}{2} f''(x)$，中心差分约为 $\tfrac{h^2}{6} f'''(x)$：
这部分**截断误差**随 $h$ 变小而减小。但浮点数只有大约 7 位（float32）或 16 位（float64）有效数字：
$f(x+h)$ 与 $f(x)$ 前面相同的位数越来越多，相减后剩下的主要是大小约为 $\varepsilon\,|f(x)|$
的噪声，再除以 $h$ 又把它*放大*了：**舍入误差**按 $\varepsilon / h$ 增长。
下面在 $h = 10^{-1}, \dots, 10^{-16}$ 上把两种误差都测出来。
""",
    ),
    Code("""
def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


exact = df_by_hand(torch.tensor(1.5, dtype=torch.float64))
steps = [10.0**-k for k in range(1, 17)]
errors = {}
for dtype in (torch.float32, torch.float64):
    x = torch.tensor(1.5, dtype=dtype)
    h = torch.tensor(steps, dtype=dtype)  # all steps at once, element by element
    for name, rule in (("forward", forward_difference), ("central", central_difference)):
        estimate = rule(f, x, h).double()
        errors[name, dtype] = (estimate - exact).abs().clamp(min=1e-17)
"""),
    Code("""
figure, axes = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
for (name, dtype), error in errors.items():
    style = "-" if name == "forward" else "--"
    color = "tab:blue" if dtype == torch.float32 else "tab:red"
    axes.loglog(steps, error.tolist(), style, color=color, marker=".", label=f"{name}, {dtype}")
axes.invert_xaxis()
axes.set_xlabel("step h (smaller to the right)")
axes.set_ylabel("|estimate - f'(1.5)|")
axes.set_title("finite differences: truncation (left) vs rounding (right)")
axes.legend(fontsize=8)
plt.show()
"""),
    Markdown(
        en=r"""
Read the plot from left to right. On the left the error falls with $h$ along straight lines:
slope 1 for forward differences, slope 2 for central ones (truncation). Then it turns around
and *rises* like $1/h$ (rounding), until $x + h$ rounds to $x$ and the estimate is 0, an error
of $|f'(x)| \approx 3$. The best step sits where the two errors meet: about
$\sqrt{\varepsilon}$ for forward and $\sqrt[3]{\varepsilon}$ for central differences.
""",
        zh=r"""
从左往右读这张图。左半边误差随 $h$ 沿直线下降：前向差分斜率为 1，中心差分斜率为 2（截断误差）。
随后曲线掉头，按 $1/h$ *上升*（舍入误差），直到 $x + h$ 被舍入成 $x$，估计值变成 0，
误差就是 $|f'(x)| \approx 3$。最佳步长出现在两种误差相当的地方：前向差分约为
$\sqrt{\varepsilon}$，中心差分约为 $\sqrt[3]{\varepsilon}$。
""",
    ),
    Code("""
for (name, dtype), error in errors.items():
    best = int(error.argmin())
    eps = np.finfo(str(dtype).removeprefix("torch.")).eps
    print(f"{name:8s} {dtype!s:14} best h = {steps[best]:.0e}   error = {error[best]:.1e}   "
          f"(sqrt(eps) = {eps ** 0.5:.0e}, cbrt(eps) = {eps ** (1 / 3):.0e})")
"""),
    Markdown(
        en=r"""
Even at its best, float32 gives only 3 to 5 correct digits, and every component of a
gradient costs one or two more evaluations of $f$. Finite differences remain useful as a
*check* (`minigrad.autograd.gradcheck` uses central differences in float64), not as a way to train.

## 4 · Automatic differentiation: two modes

AD computes derivatives **exactly** (up to the usual rounding of each operation) by applying the
chain rule to the numbers flowing through the program. For $y = f(g(h(x)))$,

$$\frac{dy}{dx} = \frac{dy}{dg}\cdot\frac{dg}{dh}\cdot\frac{dh}{dx},$$

and the product can be evaluated from either end.

**Forward mode** goes from the input to the output, together with the values. Every number
$a$ carries a tangent $\dot a = da/dx$; you can think of it as a *dual number*
$a + \dot a\,\epsilon$ with $\epsilon^2 = 0$, because then
$(a + \dot a\epsilon)(b + \dot b\epsilon) = ab + (\dot a b + a\dot b)\epsilon$: the product rule
comes for free. In `minigrad` (as in PyTorch) that is `forward_ad.make_dual(value, tangent)`
inside a `dual_level()`:
""",
        zh=r"""
即使在最佳步长下，float32 也只有 3 到 5 位正确数字；而且梯度的每个分量都要多算一两次 $f$。
有限差分仍然适合用来*检验*（`minigrad.autograd.gradcheck` 就是用 float64 的中心差分），
但不适合用来训练。

## 4 · 自动微分的两种模式

自动微分把链式法则应用到程序中流动的数值上，**精确地**求出导数（每个运算照常有舍入误差）。
对于 $y = f(g(h(x)))$，

$$\frac{dy}{dx} = \frac{dy}{dg}\cdot\frac{dg}{dh}\cdot\frac{dh}{dx},$$

这个乘积可以从任意一端开始计算。

**前向模式**从输入往输出算，和函数值一起前进。每个数 $a$ 都带着一个切向量 $\dot a = da/dx$；
可以把它看成*对偶数* $a + \dot a\,\epsilon$，其中 $\epsilon^2 = 0$，因为这样
$(a + \dot a\epsilon)(b + \dot b\epsilon) = ab + (\dot a b + a\dot b)\epsilon$：乘积法则自动成立。
在 `minigrad`（和 PyTorch 一样）中，就是在 `dual_level()` 里使用 `forward_ad.make_dual(值, 切向量)`：
""",
    ),
    Code("""
with fwAD.dual_level():
    x_dual = fwAD.make_dual(torch.tensor(1.5), torch.tensor(1.0))  # tangent dx/dx = 1
    value, tangent = fwAD.unpack_dual(f(x_dual))
print(value)
print(tangent)
"""),
    Markdown(
        en=r"""
**Reverse mode** first runs $f$ forward and records the graph, then walks it backwards from the
output, sending each node the derivative of the output with respect to that node. That is
`backward()`, and the result we already saw in section 1. Step through it: each click runs one
node of the real backward engine. `PowBackward0` and `SinBackward0` each send their
share to `x`, and `AccumulateGrad` adds the two contributions up into `x.grad`.
""",
        zh=r"""
**反向模式**先正向运行 $f$ 并记录计算图，再从输出出发沿图反向遍历，
把输出对每个节点的导数传给该节点。这就是 `backward()`，第 1 节已经见过它的结果。
下面逐步执行：每点一次，真实的反向传播引擎就运行一个节点。`PowBackward0` 和 `SinBackward0`
各自把自己的那一份传给 `x`，`AccumulateGrad` 把两份贡献累加到 `x.grad` 中。
""",
    ),
    Code("""
x = torch.tensor(1.5, requires_grad=True)
widgets.BackwardStepper(f(x), names={"x": x}, values=True)
"""),
    Markdown(
        en=r"""
Both modes agree with each other and with the formula:
""",
        zh=r"""
两种模式的结果彼此一致，也与手推公式一致：
""",
    ),
    Code("""
x = torch.tensor(1.5, requires_grad=True)
f(x).backward()
widgets.check.close(tangent, x.grad, name="Forward mode vs reverse mode")
"""),
    Code("""
widgets.check.close(x.grad, df_by_hand(torch.tensor(1.5)), name="Reverse mode vs by hand")
"""),
    Markdown(
        en=r"""
## 5 · Why training uses reverse mode

With one input the two modes cost the same. A loss, though, is a function
$L: \mathbb{R}^n \to \mathbb{R}$ of $n$ parameters. One forward-mode pass pushes **one** tangent
direction through the program and returns one directional derivative; to get all $n$ partial
derivatives you push the $n$ basis vectors, one pass each. One reverse pass returns all $n$ at
once. In general, for $F: \mathbb{R}^n \to \mathbb{R}^m$ forward mode needs $n$ passes and
reverse mode $m$: reverse wins whenever there are many inputs and few outputs, which is
exactly training.

Let us count passes (not time them) for a small function of $n$ inputs:
""",
        zh=r"""
## 5 · 训练为什么用反向模式

只有一个输入时，两种模式代价相同。但损失是 $n$ 个参数的函数 $L: \mathbb{R}^n \to \mathbb{R}$。
前向模式一次只能推进**一个**切方向，得到一个方向导数；要得到全部 $n$ 个偏导数，
就要依次推进 $n$ 个基向量，每个一次。反向模式一次就得到全部 $n$ 个。一般地，
对 $F: \mathbb{R}^n \to \mathbb{R}^m$，前向模式需要 $n$ 次，反向模式需要 $m$ 次：
输入多、输出少时反向模式胜出——而训练恰好就是这种情况。

下面对一个有 $n$ 个输入的小函数数一数需要几次计算（只数次数，不计时）：
""",
    ),
    Code('''
calls = 0


def loss_fn(w):
    """A small scalar function of a vector: L(w) = sum(sin(w) * w) + (sum of w)^2."""
    global calls
    calls += 1
    return (torch.sin(w) * w).sum() + w.sum() ** 2


def gradient_forward_mode(w):
    partials = []
    for basis_vector in torch.eye(len(w)):  # one pass per input direction
        with fwAD.dual_level():
            _, partial = fwAD.unpack_dual(loss_fn(fwAD.make_dual(w, basis_vector)))
        partials.append(partial)
    return torch.stack(partials)


def gradient_reverse_mode(w):
    w = w.detach().requires_grad_(True)
    loss_fn(w).backward()  # one forward pass, one backward pass
    return w.grad
'''),
    Code("""
torch.manual_seed(0)
print("   n   forward-mode passes   reverse-mode passes   same gradient")
passes = []
for n in (1, 2, 4, 8, 16, 32, 64):
    w = torch.randn(n)
    calls = 0
    forward_gradient = gradient_forward_mode(w)
    forward_calls, calls = calls, 0
    reverse_gradient = gradient_reverse_mode(w)
    passes.append((n, forward_calls, calls))
    same = bool(widgets.check.close(forward_gradient, reverse_gradient))
    print(f"{n:4d} {forward_calls:21d} {calls:21d}   {same}")
"""),
    Code("""
figure, axes = plt.subplots(figsize=(6, 3.2), constrained_layout=True)
axes.plot([p[0] for p in passes], [p[1] for p in passes], "o-", label="forward mode: n passes")
axes.plot([p[0] for p in passes], [p[2] for p in passes], "s-", label="reverse mode: 1 pass")
axes.set_xlabel("number of inputs n")
axes.set_ylabel("passes through the function")
axes.set_title("cost of a full gradient of L: R^n -> R")
axes.legend(fontsize=8)
plt.show()
"""),
    Markdown(
        en=r"""
The TinyModel of notebook 03 has 101,110 parameters: forward mode would need 101,110 passes
per training step, reverse mode one forward and one backward pass. That is why
`loss.backward()` is at the heart of every training loop, and why the rest of this course is
about the backward graph. (Forward mode still shines for functions with few inputs and many
outputs, and for Jacobian-vector products: `minigrad.autograd.functional.jvp`.)

## Exercises

Replace each `...` with your answer and run the cell, then run the check below it: it says
whether your answer is right and, if not, what looks wrong. A solution is folded under each
check: try first, then compare.

**Exercise 1 — predict.** Differentiate $g(x) = e^x \cos x$ by hand, before autograd does,
and write your derivative as `dg_by_hand`. The check compares it with autograd at five points.
""",
        zh=r"""
第 03 节的 TinyModel 有 101,110 个参数：前向模式每个训练步需要 101,110 次计算，
反向模式只要一次前向和一次反向传播。这就是为什么 `loss.backward()` 是每个训练循环的核心，
也是本课程其余部分都围绕反向计算图展开的原因。（前向模式在输入少、输出多的函数上，
以及计算雅可比-向量积时仍然大有用武之地：`minigrad.autograd.functional.jvp`。）

## 练习

把每个 `...` 换成你的答案并运行该单元格，再运行下面的检查单元格：它会告诉你答案对不对，
不对的话哪里看起来有问题。每个检查下面都折叠着一份参考答案：先自己做，再对照。

**练习 1：先预测。** 在自动微分之前，手动求 $g(x) = e^x \cos x$ 的导数，写成 `dg_by_hand`。检查函数会在五个点上把它与自动微分的结果比较。
""",
    ),
    Exercise(
        grade_id="00_derivative_by_hand",
        code="""
def g(x):
    return torch.exp(x) * torch.cos(x)


def dg_by_hand(x):
    ### BEGIN SOLUTION
    return torch.exp(x) * (torch.cos(x) - torch.sin(x))
    ### END SOLUTION
""",
        placeholder="return ...  # en: your derivative of g | zh: 你求出的 g 的导数",
        check="""
points = torch.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
g(points).sum().backward()
widgets.check.gradient(dg_by_hand(points.detach()), points.grad, name="dg_by_hand(points)")
""",
    ),
    Markdown(
        en=r"""
**Exercise 2.** With forward mode, compute the *directional derivative* of `loss_fn` at `w` in
the direction `v`, that is $\nabla L(w) \cdot v$, in **one** pass. Hint: the tangent you
attach does not have to be a basis vector. The check compares it with the reverse-mode gradient
dotted with `v`.
""",
        zh=r"""
**练习 2.** 用前向模式，只用**一次**计算求出 `loss_fn` 在 `w` 处沿方向 `v` 的*方向导数*，
即 $\nabla L(w) \cdot v$。提示：附加的切向量不一定是基向量。检查函数会把它与反向模式梯度和 `v` 的点积比较。
""",
    ),
    Exercise(
        grade_id="00_directional_derivative",
        code="""
torch.manual_seed(1)
w, v = torch.randn(5), torch.randn(5)

with fwAD.dual_level():
    ### BEGIN SOLUTION
    _, directional = fwAD.unpack_dual(loss_fn(fwAD.make_dual(w, v)))
    ### END SOLUTION
""",
        placeholder="directional = ...  # en: one forward-mode pass | zh: 只用一次前向模式计算",
        check="""
widgets.check.close(directional, (gradient_reverse_mode(w) * v).sum(), name="directional")
""",
    ),
]
