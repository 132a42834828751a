"""01 · A simple example: `requires_grad`, `grad_fn`, `backward()`, and the stepper."""

from build import Code, Markdown

CELLS = [
    Markdown(
        en=r"""
# 1 · A simple example

The tutorial's first example in a few lines: take 25 points between $0$ and $2\pi$, compute
$\sum (2 \sin a + 1)$, and ask autograd for the derivative with respect to every point at once.

**After this notebook you will be able to**

- create a tensor with `requires_grad=True` and see autograd record what you compute from it;
- read the `grad_fn` that each result carries;
- call `backward()` and check `a.grad` against the derivative you know, $2\cos a$;
- tell leaf tensors from the rest, and say why only leaves get a `.grad`;
- step through the very same backward pass, node by node, with `widgets.BackwardStepper`.
""",
        zh=r"""
# 1 · 一个简单的例子

用几行代码走一遍教程的第一个例子：在 $0$ 到 $2\pi$ 之间取 25 个点，计算 $\sum (2 \sin a + 1)$，
然后让自动微分一次性求出它对每个点的导数。

**学完本节，你将能够**

- 创建 `requires_grad=True` 的张量，并看到自动微分记录下由它算出的每一步；
- 读懂每个结果携带的 `grad_fn`；
- 调用 `backward()`，并用已知的导数 $2\cos a$ 检验 `a.grad`；
- 区分叶子节点和其他张量，说明为什么只有叶子节点才有 `.grad`；
- 用 `widgets.BackwardStepper` 逐个节点地走一遍同一次反向传播。
""",
    ),
    Code("""
import math

import matplotlib.pyplot as plt

import minigrad as torch
import widgets
"""),
    Markdown(
        en=r"""
## An input that requires grad

`linspace` gives evenly spaced values; `requires_grad=True` asks autograd to keep track of
everything computed from them. The printout says so.
""",
        zh=r"""
## 需要梯度的输入

`linspace` 给出等间距的数值；`requires_grad=True` 让自动微分记录由它们算出的一切。
打印结果里也写明了这一点。
""",
    ),
    Code("""
a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
print(a)
"""),
    Markdown(
        en=r"""
## Computing, and what autograd remembers

Take the sine and plot it. To plot, we hand matplotlib `a.detach()` and `b.detach()`: copies
of the values without the history (notebook 5 says why that is needed).
""",
        zh=r"""
## 计算，以及自动微分记住了什么

取正弦并画出来。画图时交给 matplotlib 的是 `a.detach()` 和 `b.detach()`：
只有数值、不带计算历史的副本（第 5 节会解释为什么必须这样）。
""",
    ),
    Code("""
b = torch.sin(a)
plt.plot(a.detach(), b.detach())
plt.show()
"""),
    Markdown(
        en=r"""
Printed, `b` carries `grad_fn=<SinBackward0>`: the node that knows how to send a gradient
back through the sine. (The tiny values like `-8.7423e-08` instead of $0$ are float32's
rounding of $\sin \pi$.)
""",
        zh=r"""
打印出来的 `b` 带着 `grad_fn=<SinBackward0>`：这个节点知道如何把梯度反向穿过正弦函数。
（像 `-8.7423e-08` 这样本该是 $0$ 的小数，是 float32 对 $\sin \pi$ 的舍入。）
""",
    ),
    Code("""
print(b)
"""),
    Markdown(
        en=r"""
Each further operation adds its own node: a multiplication, an addition, and finally a sum
that turns the 25 values into the single number we will differentiate.
""",
        zh=r"""
之后的每一步运算都会加上自己的节点：一次乘法、一次加法，最后是求和，
把 25 个数变成我们要求导的那一个数。
""",
    ),
    Code("""
c = 2 * b
print(c)

d = c + 1
print(d)

out = d.sum()
print(out)
"""),
    Markdown(
        en=r"""
## `backward()` and the gradient

`out.backward()` walks the recorded graph from `out` back to `a` and stores
$\partial\,\text{out} / \partial a_i$ in `a.grad`. By hand: the constant $1$ vanishes,
and $\frac{d}{da}(2 \sin a) = 2 \cos a$. The plot compares both.
""",
        zh=r"""
## `backward()` 与梯度

`out.backward()` 沿着记录下来的图从 `out` 走回 `a`，并把 $\partial\,\text{out} / \partial a_i$
存进 `a.grad`。手算一下：常数 $1$ 求导后消失，$\frac{d}{da}(2 \sin a) = 2 \cos a$。
下面的图把两者放在一起比较。
""",
    ),
    Code("""
out.backward()
print(a.grad)
"""),
    Code("""
widgets.plot_function_and_derivative(lambda x: 2 * torch.sin(x) + 1, a,
                                     label='2 sin(a) + 1', expected=lambda x: 2 * torch.cos(x))
"""),
    Markdown(
        en=r"""
## Only leaves get a `.grad`

`a` was created by us: it is a **leaf** of the graph, and its gradient is kept. `c` was
computed: its gradient passed through during `backward()` but was not stored, so `c.grad` is
`None` (with a warning, as in PyTorch). Call `retain_grad()` before `backward()` to keep it.
""",
        zh=r"""
## 只有叶子节点才有 `.grad`

`a` 是我们自己创建的：它是计算图的**叶子节点**，它的梯度会被保留。`c` 是算出来的：
反向传播时梯度流经了它，但没有被存下来，所以 `c.grad` 是 `None`（并且像 PyTorch
一样给出警告）。如果想保留它，要在 `backward()` 之前调用 `retain_grad()`。
""",
    ),
    Code("""
print(a.is_leaf, c.is_leaf)
print(c.grad)
"""),
    Code("""
a2 = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
c2 = 2 * torch.sin(a2)
c2.retain_grad()
(c2 + 1).sum().backward()
print(c2.grad)
"""),
    Markdown(
        en=r"""
## Watching the backward pass

`widgets.BackwardStepper` runs the same backward engine as `backward()`, one node at a time.
Press **Step** (or **Play**): the highlighted node is the one running, the arrows carry the
gradient it sends, and the side panel shows the local derivative it applies. Watch `a.grad`
fill in at the last step.
""",
        zh=r"""
## 观察反向传播

`widgets.BackwardStepper` 运行的就是 `backward()` 所用的那个反向传播引擎，只不过一次只走一个节点。
按 **Step**（或 **Play**）：高亮的是正在运行的节点，箭头上是它送出的梯度，侧面板显示它使用的局部导数。
留意最后一步时 `a.grad` 是怎样被填上的。
""",
    ),
    Code("""
a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
b = torch.sin(a)
out = (2 * b + 1).sum()
stepper = widgets.BackwardStepper(out, names={'a': a, 'b': b, 'out': out})
stepper
"""),
    Markdown(
        en=r"""
## Exercises

Try each one yourself first: replace the answer with your own, run the cell, and read what
the check says. The cells below hold worked answers.

**1.** For $f(a) = \sum a^2 \sin a$, what is $\partial f / \partial a$? Write it as a tensor
expression and let the check compare it with what `backward()` computes.
""",
        zh=r"""
## 练习

每道题请先自己做：把答案换成你自己的，运行单元格，看看检查函数怎么说。下面的单元格里是参考答案。

**1.** 对 $f(a) = \sum a^2 \sin a$，$\partial f / \partial a$ 是什么？把它写成张量表达式，
让检查函数与 `backward()` 算出的结果比较。
""",
    ),
    Code("""
a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
(a ** 2 * torch.sin(a)).sum().backward()

x = a.detach()
answer = 2 * x * torch.sin(x) + x ** 2 * torch.cos(x)
widgets.check.gradient(a.grad, answer, of=a, name='Your derivative')
"""),
    Markdown(
        en=r"""
**2.** Make `y = 3 * a + 1` and compute `y.sum().backward()`. What does `a.grad` hold? Mind
that `a.grad` still holds the gradient from exercise 1, unless you start from a fresh `a`.
""",
        zh=r"""
**2.** 令 `y = 3 * a + 1`，再计算 `y.sum().backward()`。`a.grad` 里是什么？注意：除非你重新创建
`a`，否则 `a.grad` 里还留着练习 1 的梯度。
""",
    ),
    Code("""
a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
(3 * a + 1).sum().backward()
widgets.check.gradient(a.grad, torch.full((25,), 3.0), of=a, name='a.grad')
"""),
    Markdown(
        en=r"""
**3.** Which of these tensors should require grad: the input `a`, the result `torch.sin(a)`,
and `torch.sin(a).detach()`?
""",
        zh=r"""
**3.** 下面这些张量中，哪些应该需要梯度：输入 `a`、结果 `torch.sin(a)`、以及
`torch.sin(a).detach()`？
""",
    ),
    Code("""
print(widgets.check.requires_grad(a, True, name='a'))
print(widgets.check.requires_grad(torch.sin(a), True, name='torch.sin(a)'))
print(widgets.check.requires_grad(torch.sin(a).detach(), False, name='torch.sin(a).detach()'))
"""),
]
