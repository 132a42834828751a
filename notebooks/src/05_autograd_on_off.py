"""05 · Turning autograd off and on; `detach()`; in-place operations and their errors."""

from build import Code, Exercise, Markdown

CELLS = [
    Markdown(
        en=r"""
# 5 · Turning autograd off and on

Recording a graph costs memory and time, and sometimes you do not want it at all: evaluating a
model, updating weights, plotting values. This notebook shows every switch autograd offers, and
the one thing it will not let you do: change, in place, a value the backward pass still needs.

**After this notebook you will be able to**

- stop a tensor from being tracked with its `requires_grad` flag;
- switch recording off for a block or a function with `torch.no_grad()`, back on with
  `torch.enable_grad()`, and either way from a boolean with `torch.set_grad_enabled()`;
- take an untracked copy with `detach()`, and know why NumPy and matplotlib need one;
- read the two errors autograd raises about in-place operations, and fix the code behind them.
""",
        zh=r"""
# 5 · 关闭与开启自动微分

记录计算图要花内存和时间，而有些时候我们根本不需要它：评估模型、更新权重、画图。
本节介绍自动微分提供的所有开关，
以及它唯一不允许的事情：原地（in-place）修改反向传播还要用到的值。

**学完本节，你将能够**

- 用张量的 `requires_grad` 标志让它不再被追踪；
- 用 `torch.no_grad()` 在一段代码或一个函数里关闭记录，用 `torch.enable_grad()` 重新打开，
  或者用 `torch.set_grad_enabled()` 根据一个布尔值来切换；
- 用 `detach()` 得到一个不被追踪的副本，并明白 NumPy 和 matplotlib 为什么需要它；
- 看懂自动微分关于原地操作的两种报错，并修好引起报错的代码。
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
## The `requires_grad` flag

The most direct switch sits on the tensor itself. While `a.requires_grad` is `True`, results
computed from `a` carry a `grad_fn`; set it to `False` and new results are plain tensors with
no history. (Results computed *before* the change keep theirs.)
""",
        zh=r"""
## `requires_grad` 标志

最直接的开关就在张量自身上。`a.requires_grad` 为 `True` 时，由 `a` 计算出的结果都带有 `grad_fn`；
把它设为 `False`，
之后算出的结果就是没有历史记录的普通张量。（修改之前已经算出的结果，仍保留它们的 `grad_fn`。）
""",
    ),
    Code("""
a = torch.ones(2, 3, requires_grad=True)
print(a)

b1 = 2 * a
print(b1)

a.requires_grad = False
b2 = 2 * a
print(b2)
"""),
    Markdown(
        en=r"""
## `torch.no_grad()`: off for a while

Usually you want recording off only for a few lines, without touching any tensor's flag. Inside
`with torch.no_grad():` no operation is recorded; after the block, everything is as before.
""",
        zh=r"""
## `torch.no_grad()`：暂时关闭

更常见的需求是只在几行代码里关闭记录，而不去改任何张量的标志。在 `with torch.no_grad():` 块里，
任何运算都不会被记录；
出了这个块，一切恢复原样。
""",
    ),
    Code("""
a = torch.ones(2, 3, requires_grad=True) * 2
b = torch.ones(2, 3, requires_grad=True) * 3

c1 = a + b
print(c1)

with torch.no_grad():
    c2 = a + b

print(c2)

c3 = a * b
print(c3)
"""),
    Markdown(
        en=r"""
### The picture: `no_grad` cuts a path out of the graph

Here `scale` is computed from `w` inside `no_grad`, so the graph has no path from `scale` back
to `w`. The weight reaches `y` only through the addition, and that is the only contribution its
gradient gets: $\partial y / \partial w_i = 1$, while $\partial y / \partial x_i$ is the
(constant) `scale`.
""",
        zh=r"""
### 看图：`no_grad` 从计算图中剪掉一条路径

下面的 `scale` 是在 `no_grad` 里由 `w` 算出的，所以计算图中没有从 `scale` 回到 `w` 的路径。`w`
只通过加法影响 `y`，
它的梯度也就只有这一份：$\partial y / \partial w_i = 1$；而 $\partial y / \partial x_i$
等于（被当作常数的）`scale`。
""",
    ),
    Code("""
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, -4.0, 2.0], requires_grad=True)

with torch.no_grad():
    scale = w.abs().max()  # a number used as a constant, not differentiated

y = (x * scale + w).sum()
widgets.draw(y, names={"x": x, "w": w})
"""),
    Code("""
y.backward()
print(scale)
print(x.grad)
print(w.grad)
"""),
    Markdown(
        en=r"""
## `no_grad` as a decorator

`torch.no_grad()` also decorates a function: every call then runs with recording off. Since
PyTorch 2.0 the parentheses are optional, so `@torch.no_grad` works too.
""",
        zh=r"""
## 把 `no_grad` 用作装饰器

`torch.no_grad()` 也可以装饰一个函数，这样每次调用该函数时都不记录计算图。从 PyTorch 2.0
起括号可以省略，
写成 `@torch.no_grad` 也行。
""",
    ),
    Code("""
def add_tensors1(x, y):
    return x + y

@torch.no_grad()
def add_tensors2(x, y):
    return x + y


a = torch.ones(2, 3, requires_grad=True) * 2
b = torch.ones(2, 3, requires_grad=True) * 3

c1 = add_tensors1(a, b)
print(c1)

c2 = add_tensors2(a, b)
print(c2)
"""),
    Code("""
@torch.no_grad
def add_tensors3(x, y):
    return x + y

print(add_tensors3(a, b).requires_grad)
"""),
    Markdown(
        en=r"""
## `torch.enable_grad()`: back on

The opposite switch turns recording back on inside a `no_grad` region, as a context manager or
as a decorator. `torch.is_grad_enabled()` tells you which mode you are in.
""",
        zh=r"""
## `torch.enable_grad()`：重新打开

反过来的开关在 `no_grad` 区域里把记录重新打开，同样既可以作为上下文管理器，也可以作为装饰器使用。
`torch.is_grad_enabled()` 会告诉你当前处于哪种模式。
""",
    ),
    Code("""
@torch.enable_grad()
def doubled(x):
    return x * 2

with torch.no_grad():
    print(torch.is_grad_enabled())
    print(a * 2)
    print(doubled(a))
    with torch.enable_grad():
        print(torch.is_grad_enabled())
        print(a * 3)
"""),
    Markdown(
        en=r"""
## `torch.set_grad_enabled(mode)`: a switch driven by a boolean

When the choice depends on a variable, such as "am I training or evaluating?", write
`with torch.set_grad_enabled(training):` and one function serves both cases. Called as a plain
function it switches the mode until you switch it back.
""",
        zh=r"""
## `torch.set_grad_enabled(mode)`：由布尔值决定的开关

如果开还是关取决于某个变量（比如"现在是训练还是评估？"），就写
`with torch.set_grad_enabled(training):`，
同一个函数两种情况都能用。直接作为函数调用时，它会一直保持设定的模式，直到你再改回来。
""",
    ),
    Code("""
def forward_pass(x, y, training):
    with torch.set_grad_enabled(training):
        return x * y

print(forward_pass(a, b, training=True))
print(forward_pass(a, b, training=False))

torch.set_grad_enabled(False)
print(torch.is_grad_enabled())
torch.set_grad_enabled(True)
print(torch.is_grad_enabled())
"""),
    Markdown(
        en=r"""
## `detach()`: an untracked copy

`x.detach()` returns a tensor with the same values (it even shares their memory) but no
history and `requires_grad=False`. Everything computed from it is invisible to autograd.
""",
        zh=r"""
## `detach()`：不被追踪的副本

`x.detach()` 返回一个数值相同的张量（甚至共用同一块内存），但它没有历史记录，`requires_grad=False`。
由它计算出的一切，自动微分都看不见。
""",
    ),
    Code("""
torch.manual_seed(0)
x = torch.rand(5, requires_grad=True)
y = x.detach()

print(x)
print(y)
"""),
    Markdown(
        en=r"""
NumPy arrays know nothing about gradients, so converting a tensor that requires grad would
silently drop its history. PyTorch refuses instead, and the error tells you the fix.
matplotlib converts every tensor you pass it to NumPy, so it raises the same error:
""",
        zh=r"""
NumPy 数组对梯度一无所知，如果把需要梯度的张量转换成数组，历史记录就会被悄悄丢掉。所以 PyTorch
干脆拒绝转换，
并在报错信息里告诉你怎么改。matplotlib 会把传给它的每个张量都转换成 NumPy 数组，所以也会报同样的错：
""",
    ),
    Code("""
%xmode Minimal
x.numpy()
""", tags=("raises-exception",)),
    Markdown(
        en=r"""
With `detach()` the plot works. Here is $\sin$ on $[0, 2\pi]$ and its derivative, read from
`xs.grad` after a backward pass: both curves are detached before plotting.
""",
        zh=r"""
加上 `detach()` 就能画图了。下面是 $[0, 2\pi]$ 上的 $\sin$ 曲线，以及反向传播后从 `xs.grad`
读出的导数；
两条曲线在画之前都先 `detach()`。
""",
    ),
    Code("""
xs = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
ys = torch.sin(xs)
ys.sum().backward()

figure, axes = plt.subplots(figsize=(6, 3))
axes.plot(xs.detach(), ys.detach(), marker=".", label="sin(x)")
axes.plot(xs.detach(), xs.grad, marker=".", label="xs.grad = cos(x)")
axes.axhline(0, color="#d1d5db", linewidth=0.8)
axes.set_xlabel("x")
axes.legend(fontsize=8)
plt.show()
"""),
    Markdown(
        en=r"""
## Autograd and in-place operations

An in-place operation (its name ends in `_`, like `sin_` or `add_`) overwrites a tensor's
values instead of making a new tensor. That is dangerous for autograd, which may need the old
values in the backward pass. Two rules protect you.

**Rule 1: no in-place operation on a leaf that requires grad.** The leaf's values are what
you differentiate *with respect to*; overwriting them in a recorded operation makes no sense,
so PyTorch stops you right away. (This cell is expected to fail.)
""",
        zh=r"""
## 自动微分与原地操作

原地操作（名字以 `_` 结尾，如 `sin_`、`add_`）直接覆盖张量的值，而不是生成新张量。
这对自动微分很危险，
因为反向传播可能还要用到旧值。有两条规则在保护你。

**规则 1：不能对需要梯度的叶子节点做原地操作。** 叶子节点正是我们求导的*自变量*，
在被记录的运算里覆盖它的值毫无意义，
所以 PyTorch 会当场阻止。（下面这个单元格本来就会报错。）
""",
    ),
    Code("""
%xmode Minimal
a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
torch.sin_(a)
""", tags=("raises-exception",)),
    Markdown(
        en=r"""
Under `no_grad` the same kind of update is allowed, because nothing is recorded. This is
exactly how `optimizer.step()` updates the weights of a model in place.
""",
        zh=r"""
而在 `no_grad` 下，同样的原地更新是允许的，因为不会记录任何东西。`optimizer.step()`
正是这样原地更新模型权重的。
""",
    ),
    Code("""
with torch.no_grad():
    a.mul_(0.5)
print(a.detach()[:4])
"""),
    Markdown(
        en=r"""
**Rule 2: don't overwrite a value that a backward node saved.** Many operations keep tensors
for their backward pass. `exp` keeps its *output*, since $\frac{d}{dx} e^x = e^x$. Every tensor
has a version counter, `_version`, that each in-place operation increments; a node remembers
the version of what it saved and checks it during `backward()`. The in-place `mul_` below is
allowed, but the backward pass then finds version 1 where it saved version 0, and raises:
""",
        zh=r"""
**规则 2：不能覆盖反向传播节点保存下来的值。** 许多运算会为反向传播保存张量。`exp`
保存的是它的*输出*，
因为 $\frac{d}{dx} e^x = e^x$。每个张量都有一个版本计数器 `_version`，每次原地操作都会让它加一；
节点会记住所保存张量的版本，并在 `backward()` 时核对。下面的原地 `mul_` 本身是允许的，
但反向传播时发现保存时是版本 0、
现在却是版本 1，于是报错：
""",
    ),
    Code("""
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x.exp()
print(y._version)
y.mul_(2)
print(y._version)
"""),
    Code("""
%xmode Minimal
y.sum().backward()
""", tags=("raises-exception",)),
    Markdown(
        en=r"""
The message names the tensor (a float tensor of shape `[3]`, output 0 of `Exp`) and both
versions. The fix is nearly always to use the out-of-place operation, `y = y * 2`, which makes
a new tensor and leaves the saved one alone.

## Exercises

Replace each `...` with your answer and run the cell, then run the check below it: it says
whether your answer is right and, if not, what looks wrong. A solution is folded under each
check: try first, then compare.

**Exercise 1 — freeze a layer.** Fine-tuning often trains only the last layer. Make the first
layer's parameters (`model[0]`) stop requiring gradients, so that `backward()` leaves them
alone.
""",
        zh=r"""
报错信息指明了是哪个张量（形状为 `[3]` 的浮点张量，`Exp` 的第 0 个输出）以及前后两个版本号。
解决办法几乎总是改用非原地的写法
`y = y * 2`：它生成一个新张量，不去动被保存的那个。

## 练习

把每个 `...` 换成你的答案并运行该单元格，再运行下面的检查单元格：它会告诉你答案对不对，
不对的话哪里看起来有问题。每个检查下面都折叠着一份参考答案：先自己做，再对照。

**练习 1：冻结一层。** 微调（fine-tuning）时常常只训练最后一层。请让第一层（`model[0]`）的参数不再需要梯度，
这样 `backward()` 就不会碰它们。
""",
    ),
    Exercise(
        grade_id="05_freeze_a_layer",
        code="""
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))

### BEGIN SOLUTION
for parameter in model[0].parameters():
    parameter.requires_grad = False
### END SOLUTION

loss = model(torch.randn(2, 4)).pow(2).sum()
loss.backward()
print("parameters with a gradient:",
      [name for name, p in model.named_parameters() if p.grad is not None])
""",
        placeholder="...  # en: freeze the first layer | zh: 冻结第一层",
        check="""
widgets.check.frozen(model, frozen=("0",))
""",
    ),
    Markdown(
        en=r"""
**Exercise 2 — evaluate without a graph.** Compute `predictions` of the model for a new batch
without recording anything.
""",
        zh=r"""
**练习 2：不建计算图地评估模型。** 对一批新数据计算模型的 `predictions`，要求不记录任何计算图。
""",
    ),
    Exercise(
        grade_id="05_evaluate_without_graph",
        code="""
new_batch = torch.randn(5, 4)
### BEGIN SOLUTION
with torch.no_grad():
    predictions = model(new_batch)
### END SOLUTION
""",
        placeholder="predictions = ...  # en: the model's output, with no graph | zh: 模型的输出，不建计算图",
        check="""
widgets.check.requires_grad(predictions, False, name="predictions")
""",
    ),
    Markdown(
        en=r"""
**Exercise 3 — predict.** Before running anything, decide which of `r1`, `r2`, `r3` below
require grad, and write your three answers as a list of booleans `predicted`:

```python
a = torch.ones(2, requires_grad=True)
with torch.no_grad():
    r1 = a * 2
    with torch.enable_grad():
        r2 = a * 2
r3 = r1 * a
```
""",
        zh=r"""
**练习 3：先预测。** 在运行任何代码之前，判断下面的 `r1`、`r2`、`r3` 哪些需要梯度，
把三个答案写成布尔值列表 `predicted`：

```python
a = torch.ones(2, requires_grad=True)
with torch.no_grad():
    r1 = a * 2
    with torch.enable_grad():
        r2 = a * 2
r3 = r1 * a
```
""",
    ),
    Exercise(
        grade_id="05_predict_requires_grad",
        code="""
### BEGIN SOLUTION
predicted = [False, True, True]
### END SOLUTION
""",
        placeholder="predicted = ...  # en: [r1, r2, r3]: True or False each | zh: [r1, r2, r3]：每个填 True 或 False",
        check="""
a = torch.ones(2, requires_grad=True)
with torch.no_grad():
    r1 = a * 2
    with torch.enable_grad():
        r2 = a * 2
r3 = r1 * a
widgets.check.close(predicted, [r1.requires_grad, r2.requires_grad, r3.requires_grad],
                    name="predicted")
""",
    ),
    Markdown(
        en=r"""
## What you have seen

| you want | write |
|---|---|
| never track this tensor | `t.requires_grad = False` (or create it without `requires_grad=True`) |
| no graph for a block / a function | `with torch.no_grad():` / `@torch.no_grad` |
| a graph again inside `no_grad` | `with torch.enable_grad():` / `@torch.enable_grad()` |
| decide with a boolean | `with torch.set_grad_enabled(flag):` |
| the values without the history (NumPy, plots) | `t.detach()` |

In-place operations are refused on leaves that require grad, and detected through the version
counter when they overwrite something the backward pass saved.

Next: the profiler, to see what autograd records and how long each operation takes.
""",
        zh=r"""
## 小结

| 需求 | 写法 |
|---|---|
| 永远不追踪这个张量 | `t.requires_grad = False`（或创建时不写 `requires_grad=True`） |
| 一段代码 / 一个函数不建计算图 | `with torch.no_grad():` / `@torch.no_grad()` 或 `@torch.no_grad` |
| 在 `no_grad` 里重新建图 | `with torch.enable_grad():` / `@torch.enable_grad()` |
| 由布尔值决定 | `with torch.set_grad_enabled(flag):` |
| 只要数值、不要历史（NumPy、画图） | `t.detach()` |

对需要梯度的叶子节点做原地操作会被直接拒绝；覆盖反向传播保存的值，则会被版本计数器查出来。

下一节：用性能分析器（profiler）看看自动微分记录了什么，以及每个运算花了多少时间。
""",
    ),
]
