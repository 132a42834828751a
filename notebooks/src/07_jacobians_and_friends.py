"""07 · Jacobians and friends: backward(v) as a vector-Jacobian product, the functional API,
forward-mode AD."""

from build import Code, Exercise, Markdown

CELLS = [
    Markdown(
        en=r"""
# 7 · Jacobians and friends

So far every `backward()` started from a single number, the loss. This notebook looks at the
general case, a function from $n$ numbers to $m$ numbers, and at the matrix that describes its
derivative: the **Jacobian**. Autograd never builds that matrix unless you ask; what it computes
are products of it with vectors, and that is what makes it fast.

**After this notebook you will be able to**

- explain `y.backward(v)` as the vector-Jacobian product $J^\top v$;
- compute Jacobians and Hessians with `torch.autograd.functional.jacobian` / `hessian`, and
  read their shapes;
- use `vjp`, `jvp`, `vhp` and `hvp`, including `jvp`'s `create_graph` and `strict` options;
- compute a Jacobian-vector product in forward mode with dual numbers (`forward_ad`), and see
  that it agrees with the "double backward" trick.
""",
        zh=r"""
# 7 · 雅可比矩阵及其伙伴们

到目前为止，每次 `backward()` 都从一个数（损失）出发。本节讨论一般情形：从 $n$ 个数映射到 $m$
个数的函数，以及描述其导数的矩阵——
**雅可比矩阵**（Jacobian）。除非你明确要求，自动微分从不把这个矩阵整个构造出来；
它计算的是该矩阵与向量的乘积，这正是它高效的原因。

**学完本节，你将能够**

- 把 `y.backward(v)` 理解为向量-雅可比积 $J^\top v$；
- 用 `torch.autograd.functional.jacobian` / `hessian` 计算雅可比矩阵和黑塞矩阵（Hessian），
并读懂它们的形状；
- 使用 `vjp`、`jvp`、`vhp`、`hvp`，包括 `jvp` 的 `create_graph` 和 `strict` 选项；
- 用对偶数（`forward_ad`）以前向模式计算雅可比-向量积，并验证它与"双重反向"技巧的结果一致。
""",
    ),
    Code("""
import matplotlib.pyplot as plt

import minigrad as torch
import minigrad.autograd.forward_ad as fwAD
import widgets
"""),
    Markdown(
        en=r"""
## `backward(v)` is a vector-Jacobian product

For $\vec y = f(\vec x)$ with $\vec x \in \mathbb{R}^n$ and $\vec y \in \mathbb{R}^m$, the
Jacobian collects every partial derivative, one row per output and one column per input:
$$J = \begin{pmatrix}
\frac{\partial y_1}{\partial x_1} & \cdots & \frac{\partial y_1}{\partial x_n}\\
\vdots & \ddots & \vdots\\
\frac{\partial y_m}{\partial x_1} & \cdots & \frac{\partial y_m}{\partial x_n}
\end{pmatrix}.$$
Now let a loss $l = g(\vec y)$ follow, with gradient $v_i = \partial l / \partial y_i$. The
chain rule gives the gradient of $l$ with respect to the inputs as one matrix-vector product:
$$\frac{\partial l}{\partial x_j} = \sum_i \frac{\partial y_i}{\partial x_j}\,
\frac{\partial l}{\partial y_i}
\qquad\Longleftrightarrow\qquad \nabla_{\vec x}\, l = J^\top v.$$
That product is exactly what one backward pass computes, node by node, without ever forming
$J$. When $\vec y$ is not a scalar, you supply $v$ yourself: `y.backward(v)`.

The tutorial's example doubles a vector until its norm passes 1000:
""",
        zh=r"""
## `backward(v)` 是向量-雅可比积

设 $\vec y = f(\vec x)$，$\vec x \in \mathbb{R}^n$，$\vec y \in \mathbb{R}^m$。
雅可比矩阵收集了所有偏导数，
每个输出占一行，每个输入占一列：
$$J = \begin{pmatrix}
\frac{\partial y_1}{\partial x_1} & \cdots & \frac{\partial y_1}{\partial x_n}\\
\vdots & \ddots & \vdots\\
\frac{\partial y_m}{\partial x_1} & \cdots & \frac{\partial y_m}{\partial x_n}
\end{pmatrix}.$$
再接一个损失 $l = g(\vec y)$，其梯度为 $v_i = \partial l / \partial y_i$。由链式法则，$l$
对输入的梯度就是一次矩阵-向量乘法：
$$\frac{\partial l}{\partial x_j} = \sum_i \frac{\partial y_i}{\partial x_j}\,
\frac{\partial l}{\partial y_i}
\qquad\Longleftrightarrow\qquad \nabla_{\vec x}\, l = J^\top v.$$
一次反向传播逐个节点算出的正是这个乘积，而且从头到尾都不需要构造 $J$。当 $\vec y$ 不是标量时，$v$
要由你自己给出：`y.backward(v)`。

教程里的例子把一个向量不断翻倍，直到它的范数超过 1000：
""",
    ),
    Code("""
torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)

y = x * 2
while y.data.norm() < 1000:
    y = y * 2

print(y)
"""),
    Markdown(
        en=r"""
`y` has three elements, so a plain `y.backward()` does not know which $v$ to use, and says so
(this cell is expected to fail):
""",
        zh=r"""
`y` 有三个元素，所以直接调用 `y.backward()` 时，它不知道该用哪个 $v$，
于是报错（这个单元格本来就会报错）：
""",
    ),
    Code("""
%xmode Minimal
y.backward()
""", tags=("raises-exception",)),
    Code("""
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float) # stand-in for gradients
y.backward(v)

print(x.grad)
"""),
    Markdown(
        en=r"""
Here $\vec y = 2^k \vec x$, so $J = 2^k I$ and $J^\top v = 2^k v$. With these numbers the loop
doubled $k = 9$ times, and $2^9 = 512$: indeed $512 \times 0.1 = 51.2$, $512 \times 1 = 512$
and $512 \times 0.0001 = 0.0512$.
""",
        zh=r"""
这里 $\vec y = 2^k \vec x$，所以 $J = 2^k I$，$J^\top v = 2^k v$。在这组数字下循环翻倍了 $k = 9$
次，$2^9 = 512$：
果然 $512 \times 0.1 = 51.2$，$512 \times 1 = 512$，$512 \times 0.0001 = 0.0512$。
""",
    ),
    Code("""
print((y / x).detach())
"""),
    Markdown(
        en=r"""
## The high-level API: `torch.autograd.functional`

When you do want the matrices themselves, `torch.autograd.functional` computes them for a
Python function at a given point. `jacobian(func, inputs)` with two inputs returns one block
per input: $\partial f / \partial x$ and $\partial f / \partial y$.

For `exp_adder` $= 2e^x + 3y$ the blocks should be $2e^x$ and $3$:
""",
        zh=r"""
## 高层 API：`torch.autograd.functional`

如果确实需要这些矩阵本身，`torch.autograd.functional` 可以对一个 Python 函数在给定点处把它们算出来。
`jacobian(func, inputs)` 有两个输入时，按输入各返回一块：$\partial f / \partial x$ 和
$\partial f / \partial y$。

对 `exp_adder` $= 2e^x + 3y$，两块应当分别是 $2e^x$ 和 $3$：
""",
    ),
    Code("""
def exp_adder(x, y):
    return 2 * x.exp() + 3 * y

torch.manual_seed(0)
inputs = (torch.rand(1), torch.rand(1)) # arguments for the function
print(inputs)
torch.autograd.functional.jacobian(exp_adder, inputs)
"""),
    Code("""
print(2 * inputs[0].exp())
"""),
    Markdown(
        en=r"""
With 3-element inputs each block is $3 \times 3$: output $i$ depends only on $x_i$ and $y_i$,
so both blocks are diagonal.
""",
        zh=r"""
输入有 3 个元素时，每一块都是 $3 \times 3$ 矩阵：第 $i$ 个输出只依赖 $x_i$ 和 $y_i$，
所以两块都是对角矩阵。
""",
    ),
    Code("""
inputs = (torch.rand(3), torch.rand(3)) # arguments for the function
print(inputs)
torch.autograd.functional.jacobian(exp_adder, inputs)
"""),
    Markdown(
        en=r"""
### The picture: what a Jacobian looks like

Drawing a Jacobian as an image shows at a glance which outputs depend on which inputs. Three
functions of $\vec x \in \mathbb{R}^6$:

- element-wise $\sin x_i$: each output sees one input, a **diagonal**;
- neighbour differences $x_{i+1} - x_i$: five outputs, each seeing two inputs, a **band**;
- softmax: every output depends on every input, a **dense** matrix (note the negative
  off-diagonal entries: raising one input lowers every other probability).
""",
        zh=r"""
### 看图：雅可比矩阵长什么样

把雅可比矩阵画成图像，哪个输出依赖哪个输入便一目了然。下面是 $\vec x \in \mathbb{R}^6$ 的三个函数：

- 逐元素的 $\sin x_i$：每个输出只看到一个输入，是**对角**矩阵；
- 相邻差分 $x_{i+1} - x_i$：五个输出，各看到两个输入，是**带状**矩阵；
- softmax：每个输出都依赖所有输入，是**稠密**矩阵（注意非对角元为负：增大一个输入，
其余各项的概率都会下降）。
""",
    ),
    Code("""
point = torch.linspace(-1., 1., steps=6)
examples = {
    "sin(x), element-wise": lambda x: x.sin(),
    "x[1:] - x[:-1]": lambda x: x[1:] - x[:-1],
    "softmax(x)": lambda x: x.softmax(dim=0),
}

figure, all_axes = plt.subplots(1, 3, figsize=(10, 3.4), constrained_layout=True)
for axes, (title, func) in zip(all_axes, examples.items()):
    J = torch.autograd.functional.jacobian(func, point)
    limit = J.abs().max().item()
    image = axes.imshow(J.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes.set_title(f"{title}\\nJ: {tuple(J.shape)}", fontsize=10)
    axes.set_xlabel("input j")
    axes.set_ylabel("output i")
    figure.colorbar(image, ax=axes, shrink=0.8)
plt.show()
"""),
    Markdown(
        en=r"""
### Hessians

`hessian(func, inputs)` needs a function with a **scalar** output and returns all its second
derivatives. With two inputs you get a $2 \times 2$ grid of blocks
$\partial^2 f / \partial a\, \partial b$. For $f = \sum_i 2x_i^2 + 3y_i^2$ the mixed blocks are
zero and the others are $4I$ and $6I$:
""",
        zh=r"""
### 黑塞矩阵

`hessian(func, inputs)` 要求函数输出一个**标量**，返回它所有的二阶偏导数。两个输入时，结果是
$2 \times 2$ 个分块
$\partial^2 f / \partial a\, \partial b$。对 $f = \sum_i 2x_i^2 + 3y_i^2$，混合分块为零，另外两块是
$4I$ 和 $6I$：
""",
    ),
    Code("""
def pow_adder_reducer(x, y):
    return (2 * x.pow(2) + 3 * y.pow(2)).sum()

torch.autograd.functional.hessian(pow_adder_reducer, inputs)
"""),
    Markdown(
        en=r"""
## Products with vectors: `vjp` and `jvp`

Forming a whole Jacobian costs one backward pass *per output*. Usually you need only its
product with a vector, which costs one pass:

- `vjp(func, inputs, v)` returns `(func(inputs), vᵀJ)`: what `backward(v)` computes;
- `jvp(func, inputs, v)` returns `(func(inputs), J v)`: how the outputs move when the inputs
  move in direction $v$ (a directional derivative).

The tutorial's `vjp`, on the doubling function:
""",
        zh=r"""
## 与向量相乘：`vjp` 和 `jvp`

构造完整的雅可比矩阵，*每个输出*都要做一次反向传播。而通常我们只需要它与某个向量的乘积，这只要一次：

- `vjp(func, inputs, v)` 返回 `(func(inputs), vᵀJ)`，也就是 `backward(v)` 算的东西；
- `jvp(func, inputs, v)` 返回 `(func(inputs), J v)`：输入沿方向 $v$ 移动时，输出如何变化（方向导数）
。

教程中对翻倍函数使用 `vjp` 的例子：
""",
    ),
    Code("""
def do_some_doubling(x):
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    return y

torch.manual_seed(0)
inputs = torch.randn(3)
my_gradients = torch.tensor([0.1, 1.0, 0.0001])
torch.autograd.functional.vjp(do_some_doubling, inputs, v=my_gradients)
"""),
    Markdown(
        en=r"""
The same numbers as `y.backward(v)` above: it is the same computation.

### `jvp` and its options

The signature is `jvp(func, inputs, v=None, create_graph=False, strict=False)`; `v` must have
the shape of the inputs (it may be left out only when the input has a single element). The
examples of PyTorch's reference page, first `exp_reducer`, which sums $e^{x}$ along each row of a
$4 \times 4$ input. With $v$ all ones, $J v$ adds up every partial derivative of a row,
$\sum_j e^{x_{ij}}$, which here equals the output itself:
""",
        zh=r"""
结果与上面的 `y.backward(v)` 完全相同：本来就是同一个计算。

### `jvp` 及其选项

函数签名是 `jvp(func, inputs, v=None, create_graph=False, strict=False)`；`v` 的形状必须与输入相同
（只有当输入只含一个元素时才可以省略）。下面是 PyTorch 参考文档中的例子。先看 `exp_reducer`：它对
$4 \times 4$ 输入的每一行求
$e^{x}$ 之和。$v$ 全为 1 时，$J v$ 把一行的所有偏导数加起来，得到 $\sum_j e^{x_{ij}}$，
在这里恰好等于输出本身：
""",
    ),
    Code("""
def exp_reducer(x):
    return x.exp().sum(dim=1)

torch.manual_seed(0)
inputs = torch.rand(4, 4)
v = torch.ones(4, 4)
torch.autograd.functional.jvp(exp_reducer, inputs, v)
"""),
    Markdown(
        en=r"""
**`create_graph=True`** computes the output and the product *differentiably*: both come back
with a `grad_fn`, so you can differentiate through them again (for a higher derivative, or a
loss that contains a derivative). By default they are detached, which is cheaper.
""",
        zh=r"""
**`create_graph=True`** 以*可微*的方式计算输出和乘积：两者返回时都带有 `grad_fn`，
因此还能对它们继续求导
（用于更高阶导数，或包含导数的损失函数）。默认情况下它们是脱离计算图的，开销更小。
""",
    ),
    Code("""
torch.autograd.functional.jvp(exp_reducer, inputs, v, create_graph=True)
"""),
    Markdown(
        en=r"""
With several inputs, `v` is a tuple with one direction per input. For `adder` $= 2x + 3y$ and
$v = (\mathbf 1, \mathbf 1)$, the product is $2 + 3 = 5$ in every position:
""",
        zh=r"""
有多个输入时，`v` 是一个元组，每个输入各给一个方向。对 `adder` $= 2x + 3y$ 和
$v = (\mathbf 1, \mathbf 1)$，
乘积在每个位置上都是 $2 + 3 = 5$：
""",
    ),
    Code("""
def adder(x, y):
    return 2 * x + 3 * y

inputs = (torch.rand(2), torch.rand(2))
v = (torch.ones(2), torch.ones(2))
torch.autograd.functional.jvp(adder, inputs, v)
"""),
    Markdown(
        en=r"""
**`strict=True`** turns a silent mathematical zero into an error. If the output does not depend
on some input at all, the default returns zeros for it, which is the correct value; with
`strict=True` you are told instead, which catches a function that accidentally ignores an
argument (this cell is expected to fail):
""",
        zh=r"""
**`strict=True`** 把"悄无声息的零"变成报错。如果输出完全不依赖某个输入，默认会对它返回零，
这在数学上是正确的；
而设了 `strict=True` 就会直接报错，
这能帮你发现那些不小心忽略了某个参数的函数（这个单元格本来就会报错）：
""",
    ),
    Code("""
%xmode Minimal
def forgets_y(x, y):
    return 2 * x

torch.autograd.functional.jvp(forgets_y, inputs, v, strict=True)
"""
         , tags=("raises-exception",)),
    Code("""
torch.autograd.functional.jvp(forgets_y, inputs, v)
"""),
    Markdown(
        en=r"""
### `vhp` and `hvp`

The same two products for the Hessian $H$ of a scalar function: `vhp` gives $v^\top H$ and
`hvp` gives $H v$. A Hessian of a twice continuously differentiable function is symmetric, so
the two agree; `vhp` is usually the faster one, as it is a single backward-of-backward.
""",
        zh=r"""
### `vhp` 和 `hvp`

对标量函数的黑塞矩阵 $H$ 也有同样两种乘积：`vhp` 给出 $v^\top H$，`hvp` 给出 $H v$。
二阶连续可微函数的黑塞矩阵是对称的，
所以两者相等；`vhp` 通常更快，因为它只需一次"反向的反向"。
""",
    ),
    Code("""
def pow_reducer(x):
    return x.pow(3).sum()

torch.manual_seed(0)
inputs = torch.rand(2, 2)
v = torch.ones(2, 2)
print(torch.autograd.functional.vhp(pow_reducer, inputs, v))
print(torch.autograd.functional.hvp(pow_reducer, inputs, v))
print(6 * inputs)  # H = diag(6x), so H·1 = 6x
"""),
    Markdown(
        en=r"""
## Forward mode: dual numbers

Backward passes compute $v^\top J$. How does `jvp` get $J v$ out of them? PyTorch's reference
page explains it: with the **double-backward trick**. The vector-Jacobian product
$g(u) = J^\top u$ is linear in $u$, and the gradient of $g(u) \cdot v = u^\top J v$ with
respect to $u$ is $J v$: a second backward pass, through the first one, returns it. Two backward
passes, and a dummy $u$ whose value does not
matter:
""",
        zh=r"""
## 前向模式：对偶数

反向传播算的是 $v^\top J$，那 `jvp` 是怎么由它得到 $J v$ 的？PyTorch 参考文档给出了答案：
用**双重反向技巧**
（double-backward trick）。向量-雅可比积 $g(u) = J^\top u$ 关于 $u$ 是线性的，而
$g(u) \cdot v = u^\top J v$ 对 $u$ 的梯度正是 $J v$：
穿过第一次反向传播再做一次反向传播，就得到了它。两次反向传播，外加一个取值无关紧要的辅助变量 $u$：
""",
    ),
    Code("""
def wave(x):
    return x.sin() * x

x0 = torch.tensor([0.5, 1.0, 2.0])
direction = torch.tensor([1.0, 0.0, -1.0])

x = x0.clone().requires_grad_(True)
out = wave(x)
u = torch.zeros_like(out, requires_grad=True)  # any value works: g is linear in u
g, = torch.autograd.grad(out, x, u, create_graph=True)  # g = Jᵀu
jvp_by_double_backward, = torch.autograd.grad(g, u, direction)  # d(g·direction)/du = J·direction
print(jvp_by_double_backward)
"""),
    Markdown(
        en=r"""
That reference page also says PyTorch had no forward-mode AD; it has one now, and so does
minigrad. **Forward mode** carries a *tangent* along with every value, like a dual number
$a + b\,\varepsilon$ with $\varepsilon^2 = 0$: each operation updates the value and, by its own
derivative, the tangent. One forward pass then yields $J v$ directly, with no graph and no
backward pass:

- `fwAD.dual_level()` opens a scope for dual tensors;
- `fwAD.make_dual(x0, direction)` attaches the tangent $v$ to $x_0$;
- `fwAD.unpack_dual(out)` splits the result into `primal` ($f(x_0)$) and `tangent` ($J v$).
""",
        zh=r"""
那份参考文档还说 PyTorch 不支持前向模式自动微分；如今它已经支持了，minigrad 也一样。
**前向模式**让每个值都带着一个*切向量*（tangent）
一起计算，就像对偶数 $a + b\,\varepsilon$（其中 $\varepsilon^2 = 0$）：每个运算在更新值的同时，
也按自身的导数更新切向量。
于是一次前向计算就直接得到 $J v$，既不需要计算图，也不需要反向传播：

- `fwAD.dual_level()` 开启一个可以使用对偶张量的作用域；
- `fwAD.make_dual(x0, direction)` 把切向量 $v$ 附到 $x_0$ 上；
- `fwAD.unpack_dual(out)` 把结果拆成 `primal`（$f(x_0)$）和 `tangent`（$J v$）。
""",
    ),
    Code("""
with fwAD.dual_level():
    dual_x = fwAD.make_dual(x0, direction)
    dual_out = wave(dual_x)
    primal, tangent = fwAD.unpack_dual(dual_out)

print(primal)
print(tangent)
"""),
    Markdown(
        en=r"""
Three routes, one answer: forward mode, the double-backward trick, and `jvp` itself. By hand:
$\frac{d}{dx}(x \sin x) = \sin x + x\cos x$, times the direction $(1, 0, -1)$.
""",
        zh=r"""
三条路，同一个答案：前向模式、双重反向技巧，以及 `jvp` 本身。手算验证：
$\frac{d}{dx}(x \sin x) = \sin x + x\cos x$，
再乘以方向 $(1, 0, -1)$。
""",
    ),
    Code("""
print(torch.autograd.functional.jvp(wave, x0, direction)[1])
print((x0.sin() + x0 * x0.cos()) * direction)
widgets.check.close(tangent, jvp_by_double_backward, name="The forward-mode tangent")
"""),
    Markdown(
        en=r"""
Which mode to use? Reverse mode costs one pass per *output* row of $J$, forward mode one pass
per *input* column. A loss has one output and millions of inputs, hence backpropagation;
a function with few inputs and many outputs is a job for forward mode.

## Exercises

Replace each `...` with your answer and run the cell, then run the check below it: it says
whether your answer is right and, if not, what looks wrong. A solution is folded under each
check: try first, then compare.

**Exercise 1 — predict the Jacobian.** Before autograd computes it, for
$f(a, b) = \big(a\,b,\; a + \sin b\big)$ at $(a, b) = (2, 0.5)$, write the $2 \times 2$
Jacobian (rows: outputs, columns: inputs) as `jacobian_by_hand`.
""",
        zh=r"""
该用哪种模式？反向模式每次算出 $J$ 的一*行*（一个输出），前向模式每次算出一*列*（一个输入）。
损失函数只有一个输出、却有上百万个输入，
所以用反向传播；输入少、输出多的函数，则适合前向模式。

## 练习

把每个 `...` 换成你的答案并运行该单元格，再运行下面的检查单元格：它会告诉你答案对不对，
不对的话哪里看起来有问题。每个检查下面都折叠着一份参考答案：先自己做，再对照。

**练习 1：先预测雅可比矩阵。** 在自动微分算出它之前，对 $f(a, b) = \big(a\,b,\; a + \sin b\big)$，在 $(a, b) = (2, 0.5)$
处写出 $2 \times 2$
的雅可比矩阵（行对应输出，列对应输入），写成 `jacobian_by_hand`。
""",
    ),
    Exercise(
        grade_id="07_jacobian_by_hand",
        code="""
def f(ab):
    a, b = ab[0], ab[1]
    return torch.stack([a * b, a + b.sin()])

point = torch.tensor([2.0, 0.5])
a, b = point.tolist()
### BEGIN SOLUTION
jacobian_by_hand = torch.tensor([[b, a],
                                 [1.0, point[1].cos().item()]])
### END SOLUTION
""",
        placeholder="jacobian_by_hand = ...  # en: torch.tensor([[..., ...], [..., ...]]) | zh: torch.tensor([[..., ...], [..., ...]])",
        check="""
widgets.check.close(jacobian_by_hand, torch.autograd.functional.jacobian(f, point),
                    name="jacobian_by_hand")
""",
    ),
    Markdown(
        en=r"""
**Exercise 2 — a vector-Jacobian product as a matrix product.** Using the Jacobian `J` of
exercise 1, compute $v^\top J$ for $v = (1, -1)$ with a matrix product (no autograd) as `vjp_by_hand`;
the check compares it with what `vjp` returns.
""",
        zh=r"""
**练习 2：用矩阵乘法算向量-雅可比积。** 利用练习 1 的雅可比矩阵 `J`，对 $v = (1, -1)$
用矩阵乘法（不用自动微分）算出
$v^\top J$，并与 `vjp` 的结果比较。
""",
    ),
    Exercise(
        grade_id="07_vjp_as_product",
        code="""
J = torch.autograd.functional.jacobian(f, point)
v = torch.tensor([1.0, -1.0])
### BEGIN SOLUTION
vjp_by_hand = v @ J
### END SOLUTION
""",
        placeholder="vjp_by_hand = ...  # en: a matrix product | zh: 一次矩阵乘法",
        check="""
widgets.check.close(vjp_by_hand, torch.autograd.functional.vjp(f, point, v)[1], name="vjp_by_hand")
""",
    ),
    Markdown(
        en=r"""
**Exercise 3 — forward mode.** Compute the directional derivative of `f` at `point` along
$d = (0, 1)$ (how both outputs change when only $b$ moves) with `fwAD`, as `directional`; the check
compares it with `jvp`. It should equal the second column of `J`.
""",
        zh=r"""
**练习 3：前向模式。** 用 `fwAD` 计算 `f` 在 `point` 处沿 $d = (0, 1)$ 的方向导数（只有 $b$
变化时两个输出如何变化），
并与 `jvp` 比较。它应当等于 `J` 的第二列。
""",
    ),
    Exercise(
        grade_id="07_forward_mode",
        code="""
d = torch.tensor([0.0, 1.0])

with fwAD.dual_level():
    ### BEGIN SOLUTION
    directional = fwAD.unpack_dual(f(fwAD.make_dual(point, d))).tangent
    ### END SOLUTION
""",
        placeholder="directional = ...  # en: your forward-mode computation | zh: 你的前向模式计算",
        check="""
widgets.check.close(directional, torch.autograd.functional.jvp(f, point, d)[1],
                    name="directional")
""",
    ),
    Markdown(
        en=r"""
## What you have seen

| you want | call | cost |
|---|---|---|
| $v^\top J$ (gradients of a loss) | `y.backward(v)`, `vjp(f, x, v)` | one backward pass |
| $J v$ (directional derivative) | `jvp(f, x, v)`, `fwAD` dual numbers | one forward pass |
| the whole $J$ | `jacobian(f, x)` | one pass per output row |
| the whole $H$, or $v^\top H$ / $H v$ | `hessian`, `vhp`, `hvp` | backward of a backward |

`create_graph=True` keeps the results differentiable; `strict=True` turns "the output does not
depend on this input" into an error.
""",
        zh=r"""
## 小结

| 需求 | 调用 | 代价 |
|---|---|---|
| $v^\top J$（损失的梯度） | `y.backward(v)`、`vjp(f, x, v)` | 一次反向传播 |
| $J v$（方向导数） | `jvp(f, x, v)`，或 `fwAD` 对偶数 | 一次前向模式计算（或两次反向） |
| 完整的 $J$ | `jacobian(f, x)` | 每个输出行一次 |
| 完整的 $H$，或 $v^\top H$ / $H v$ | `hessian`、`vhp`、`hvp` | 反向的反向 |

`create_graph=True` 让结果保持可微；`strict=True` 把"输出不依赖这个输入"变成报错。
""",
    ),
]
