"""01 — The tutorial's "A Simple Example": sin, backward(), a.grad against 2 cos(a), leaves."""

from build import Code, Exercise, Markdown

CELLS = [
    Markdown(
        en=r"""
# 01 · A simple example

We follow the tutorial's first example step by step: a tensor of inputs, a few operations on
it, one call to `backward()`, and the derivative appears in `a.grad`.

**After this notebook you will be able to**

- ask autograd to track a tensor with `requires_grad=True` and recognise the `grad_fn` that
  every result then carries;
- reduce a result to one number and call `backward()` on it;
- read the gradient from `.grad` and check it against the derivative worked out by hand;
- explain why `c.grad` is `None` for an intermediate result, and use `retain_grad()` when you
  do want it;
- step through the backward pass node by node with `widgets.BackwardStepper`.
""",
        zh=r"""
# 01 · 一个简单的例子

我们一步步跟着教程的第一个例子走：一个输入张量，对它做几次运算，调用一次 `backward()`，
导数就出现在 `a.grad` 里。

**学完本节，你将能够**

- 用 `requires_grad=True` 让自动微分追踪一个张量，并认出之后每个结果都带着的 `grad_fn`；
- 把结果归约成一个数，并对它调用 `backward()`；
- 从 `.grad` 读出梯度，并与手推的导数对照；
- 解释为什么中间结果的 `c.grad` 是 `None`，以及确实需要它时如何使用 `retain_grad()`；
- 用 `widgets.BackwardStepper` 逐个节点地执行反向传播。
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
`minigrad` speaks PyTorch's API, so `import minigrad as torch` lets the tutorial's code run
unchanged. First, 25 evenly spaced points on $[0, 2\pi]$. The flag `requires_grad=True` asks
autograd to remember every computation that uses `a`, so that it can differentiate them later.
""",
        zh=r"""
`minigrad` 的 API 与 PyTorch 相同，所以 `import minigrad as torch` 之后，教程里的代码可以原样运行。
先在 $[0, 2\pi]$ 上取 25 个等距的点。`requires_grad=True` 让自动微分记住之后每一个用到 `a`
的运算，以便以后对它们求导。
""",
    ),
    Code("""
a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
print(a)
"""),
    Code("""
b = torch.sin(a)
plt.plot(a.detach(), b.detach())
"""),
    Markdown(
        en=r"""
Matplotlib wants plain numbers, so we hand it `a.detach()`: the same values, cut off from the
graph. Printing `b` shows what autograd has been doing: `grad_fn=<SinBackward0>` is the
node that will, during the backward pass, multiply the incoming gradient by $\cos a$.
""",
        zh=r"""
Matplotlib 只需要普通的数值，所以传给它 `a.detach()`：数值相同，但与计算图断开。
打印 `b` 可以看到自动微分在背后做了什么：`grad_fn=<SinBackward0>` 是一个节点，
它会在反向传播时把传进来的梯度乘以 $\cos a$。
""",
    ),
    Code("""
print(b)
"""),
    Code("""
c = 2 * b
print(c)

d = c + 1
print(d)
"""),
    Markdown(
        en=r"""
`backward()` without arguments needs a single number to start from, just like a loss. Summing
the 25 elements gives one:
""",
        zh=r"""
不带参数的 `backward()` 需要从一个单独的数出发，就像损失函数那样。把 25 个元素求和就得到一个数：
""",
    ),
    Code("""
out = d.sum()
print(out)
"""),
    Markdown(
        en=r"""
So far we have

$$\text{out} = \sum_{i} \left(2 \sin a_i + 1\right), \qquad
  \frac{\partial\,\text{out}}{\partial a_i} = 2 \cos a_i ,$$

because each $a_i$ appears in exactly one term of the sum and the constant $+1$ disappears when
differentiating. Now let autograd find it:
""",
        zh=r"""
到目前为止我们有

$$\text{out} = \sum_{i} \left(2 \sin a_i + 1\right), \qquad
  \frac{\partial\,\text{out}}{\partial a_i} = 2 \cos a_i ,$$

因为每个 $a_i$ 只出现在求和的一项里，而常数 $+1$ 求导后消失了。现在让自动微分来求：
""",
    ),
    Code("""
out.backward()
print(a.grad)
plt.plot(a.detach(), a.grad.detach())
"""),
    Markdown(
        en=r"""
A cosine with amplitude 2, as predicted. `widgets.plot_function_and_derivative` puts the
function and autograd's derivative side by side, with our formula $2\cos a$ dashed on top:
""",
        zh=r"""
正如预期，是一条振幅为 2 的余弦曲线。`widgets.plot_function_and_derivative`
把函数和自动微分求出的导数并排画出来，并用虚线叠加我们手推的 $2\cos a$：
""",
    ),
    Code("""
widgets.plot_function_and_derivative(lambda x: 2 * torch.sin(x) + 1, a, label="2 sin(a) + 1",
                                     expected=lambda x: 2 * torch.cos(x))
"""),
    Code("""
widgets.check.gradient(a.grad, 2 * torch.cos(a.detach()), of=a)
"""),
    Markdown(
        en=r"""
## Leaves and intermediate results

`a` is a **leaf**: we created it ourselves, it has no `grad_fn`. `b`, `c` and `d` are
intermediate results computed from it. `backward()` stores gradients only in leaves that
require grad (in a model, those are the parameters), so asking an intermediate result
for its `.grad` gives `None`, and PyTorch (hence `minigrad`) warns you that this is probably
not what you meant:
""",
        zh=r"""
## 叶子节点与中间结果

`a` 是一个**叶子节点**：它是我们自己创建的，没有 `grad_fn`。`b`、`c` 和 `d` 是由它算出来的中间结果。
`backward()` 只把梯度存到需要梯度的叶子节点里（在模型中就是各个参数），
所以访问中间结果的 `.grad` 会得到 `None`，PyTorch（因而 `minigrad` 也是）会警告你这多半不是你想要的：
""",
    ),
    Code("""
print(a.is_leaf, c.is_leaf)
print(c.grad)
"""),
    Markdown(
        en=r"""
If you do want an intermediate gradient (to debug, or to look inside a model), call
`retain_grad()` on that tensor **before** `backward()`. Here $\partial\,\text{out} / \partial c_i
= 1$, since `out` just adds 1 to each $c_i$ and sums. Note `a.grad = None` first: gradients
*accumulate* in `.grad`, so without it `a.grad` would now hold $4\cos a$.
""",
        zh=r"""
如果确实需要中间结果的梯度（为了调试，或观察模型内部），就在调用 `backward()` **之前**对该张量调用
`retain_grad()`。这里 $\partial\,\text{out} / \partial c_i = 1$，因为 `out` 只是给每个 $c_i$
加 1 再求和。注意先执行 `a.grad = None`：梯度会在 `.grad` 中*累加*，否则 `a.grad` 现在会变成 $4\cos a$。
""",
    ),
    Code("""
a.grad = None
b = torch.sin(a)
c = 2 * b
c.retain_grad()
d = c + 1
out = d.sum()
out.backward()
print(c.grad)
"""),
    Markdown(
        en=r"""
## Watch the backward pass

What did `backward()` actually do? Below, the same computation is recorded once more, and
`widgets.BackwardStepper` drives the real backward engine one node at a time. Press **Step**
(or **Play**): the gradient starts as 1 at `out`, `SumBackward0` copies it to all 25 elements,
`AddBackward0` passes it through unchanged, `MulBackward0` multiplies it by 2,
`SinBackward0` by $\cos a$, and finally `AccumulateGrad` stores the result in `a.grad`.
**Back** and the slider rewind the picture and `a.grad` with it.
""",
        zh=r"""
## 观察反向传播

`backward()` 究竟做了什么？下面把同样的计算再记录一遍，由 `widgets.BackwardStepper`
驱动真正的反向传播引擎，一次执行一个节点。点 **Step**（或 **Play**）：梯度在 `out` 处从 1 开始，
`SumBackward0` 把它复制给全部 25 个元素，`AddBackward0` 原样传下去，`MulBackward0` 乘以 2，
`SinBackward0` 乘以 $\cos a$，最后 `AccumulateGrad` 把结果存进 `a.grad`。
**Back** 和滑块可以把图和 `a.grad` 一起倒回去。
""",
    ),
    Code("""
a.grad = None
b = torch.sin(a)
c = 2 * b
d = c + 1
out = d.sum()
widgets.BackwardStepper(out, names={"a": a})
"""),
    Markdown(
        en=r"""
## Exercises

Replace each `...` with your answer and run the cell, then run the check below it: it says
whether your answer is right, and if not, what looks wrong. A solution is folded under each
check; try first, then compare.

**Exercise 1.** For `e = (3 * torch.cos(x) - x).sum()`, work out $\partial e / \partial x$
by hand and write it as `your_formula`, a tensor computed from `x.detach()`. The check
compares it with what `backward()` puts in `x.grad`.
""",
        zh=r"""
## 练习

把每个 `...` 换成你的答案并运行该单元格，再运行下面的检查单元格：它会告诉你答案对不对，
不对的话哪里看起来有问题。每个检查下面都折叠着一份参考答案；先自己做，再对照。

**练习 1.** 对 `e = (3 * torch.cos(x) - x).sum()`，手动求出 $\partial e / \partial x$，
写成 `your_formula`（一个由 `x.detach()` 算出的张量）。检查函数会把它与 `backward()`
存进 `x.grad` 的结果比较。
""",
    ),
    Exercise(
        grade_id="01_derivative_by_hand",
        code="""
x = torch.linspace(-math.pi, math.pi, steps=9, requires_grad=True)
### BEGIN SOLUTION
your_formula = -3 * torch.sin(x.detach()) - 1
### END SOLUTION
""",
        placeholder="your_formula = ...  # en: your derivative, from x.detach() | zh: 你的导数，用 x.detach() 写",
        check="""
x.grad = None
e = (3 * torch.cos(x) - x).sum()
e.backward()
widgets.check.gradient(your_formula, x.grad, of=x, name="your_formula")
""",
    ),
    Markdown(
        en=r"""
**Exercise 2 — predict first.** For `q = torch.tensor([0., 1., 2.], requires_grad=True)`
and `r = (5 * q * q).sum()`, what will `q.grad` hold after `r.backward()`? Write it down as
`predicted_grad` **before** running anything; the check then runs the backward pass.
""",
        zh=r"""
**练习 2：先预测。** 对 `q = torch.tensor([0., 1., 2.], requires_grad=True)` 和
`r = (5 * q * q).sum()`，调用 `r.backward()` 之后 `q.grad` 会是什么？**在运行之前**把它写成
`predicted_grad`；检查单元格随后才执行反向传播。
""",
    ),
    Exercise(
        grade_id="01_predict_grad",
        code="""
q = torch.tensor([0., 1., 2.], requires_grad=True)
### BEGIN SOLUTION
predicted_grad = torch.tensor([0., 10., 20.])
### END SOLUTION
""",
        placeholder="predicted_grad = ...  # en: torch.tensor([...]) | zh: torch.tensor([...])",
        check="""
q.grad = None
r = (5 * q * q).sum()
r.backward()
widgets.check.gradient(predicted_grad, q.grad, of=q, name="predicted_grad")
""",
    ),
    Markdown(
        en=r"""
**Exercise 3.** Make the gradient of the intermediate result `s = torch.sin(x)` available
after `backward()`: add the one line that is missing. If `s.grad` is still `None`, the check
says why.
""",
        zh=r"""
**练习 3.** 让中间结果 `s = torch.sin(x)` 的梯度在 `backward()` 之后可以读取：补上缺少的那一行。
如果 `s.grad` 仍然是 `None`，检查函数会说明原因。
""",
    ),
    Exercise(
        grade_id="01_retain_grad",
        code="""
x = torch.linspace(-math.pi, math.pi, steps=9, requires_grad=True)
s = torch.sin(x)
### BEGIN SOLUTION
s.retain_grad()
### END SOLUTION
total = (s * s).sum()
total.backward()
""",
        placeholder="...  # en: the missing line | zh: 缺少的那一行",
        check="""
widgets.check.gradient(s.grad, 2 * torch.sin(x.detach()), of=s, name="s.grad")
""",
    ),
]
