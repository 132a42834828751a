"""02 · Walking the graph: `grad_fn`, `next_functions`, drawn and explored."""

from build import Code, Markdown

CELLS = [
    Markdown(
        en=r"""
# 2 · Walking the graph with `next_functions`

Every tensor computed from a tensor that requires grad remembers *how* it was made: its
`grad_fn`. Each `grad_fn` in turn knows where the gradient must go next, through
`next_functions`. Together they form the **computation graph** that `backward()` walks.

**After this notebook you will be able to**

- read `grad_fn` and `next_functions` and say what each entry means;
- recognise the three kinds of entries: another node, `AccumulateGrad` (a leaf), and
  `(None, 0)` (a constant);
- walk a whole graph with a short loop, then draw it with `widgets.draw` and explore it
  node by node with `widgets.GraphView`.
""",
        zh=r"""
# 2 · 沿着 `next_functions` 走遍计算图

凡是由"需要梯度"的张量计算出来的张量，都记得自己是*怎么*来的：这就是它的 `grad_fn`。
每个 `grad_fn` 又通过 `next_functions` 知道梯度接下来该流向哪里。
它们连在一起，就是 `backward()` 要走遍的**计算图**。

**学完本节，你将能够**

- 读懂 `grad_fn` 和 `next_functions`，说出每一项的含义；
- 认出三种条目：另一个节点、`AccumulateGrad`（叶子节点）、以及 `(None, 0)`（常数）；
- 用一个小循环走遍整张图，再用 `widgets.draw` 画出来，用 `widgets.GraphView` 逐个节点地查看。
""",
    ),
    Code("""
import math

import minigrad as torch
import widgets
"""),
    Markdown(
        en=r"""
## The tutorial's little computation

The same four lines as in the simple example: `a` is a leaf that requires grad, and `b`, `c`,
`d` are computed from it.
""",
        zh=r"""
## 教程里的小计算

和"简单示例"一节相同的四行：`a` 是需要梯度的叶子节点，`b`、`c`、`d` 都由它算出。
""",
    ),
    Code("""
a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
b = torch.sin(a)
c = 2 * b
d = c + 1
"""),
    Markdown(
        en=r"""
## Drilling down, as the tutorial does

`d.grad_fn` is the node that made `d`: an addition, `AddBackward0`. Its `next_functions` is a
tuple with one entry per input of that addition, each a pair `(node, input_nr)`:

- `(<MulBackward0 ...>, 0)`: the first input, `c`, was made by a multiplication;
- `(None, 0)`: the second input, the number `1`, is a constant, so no gradient goes there.

Following the first entry again and again walks back to `a`. The printed addresses
(`0x7f...`) are where Python keeps each object; they change from run to run.
""",
        zh=r"""
## 像教程那样一层层往下看

`d.grad_fn` 是产生 `d` 的节点：一次加法，`AddBackward0`。它的 `next_functions`
是一个元组，加法的每个输入对应一项，每项都是 `(节点, input_nr)` 这样的二元组：

- `(<MulBackward0 ...>, 0)`：第一个输入 `c` 是由乘法得到的；
- `(None, 0)`：第二个输入是数字 `1`，它是常数，梯度不需要流向它。

沿着第一项一直往下走，就能回到 `a`。打印出来的地址（`0x7f...`）是 Python
存放这些对象的位置，每次运行都不一样。
""",
    ),
    Code("""
print('d:')
print(d.grad_fn)
print(d.grad_fn.next_functions)
print(d.grad_fn.next_functions[0][0].next_functions)
print(d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions)
print(d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0].next_functions)
print('\\nc:')
print(c.grad_fn)
print('\\nb:')
print(b.grad_fn)
print('\\na:')
print(a.grad_fn)
"""),
    Markdown(
        en=r"""
## The end of the road: `AccumulateGrad`

`a` has no `grad_fn`: nothing made it, it is a **leaf**. The graph still needs a place where
`a`'s gradient arrives, and that is the `AccumulateGrad` node. Its `variable` is `a` itself,
and its job is to *add* what arrives into `a.grad`. It has no `next_functions`: the walk
stops there.
""",
        zh=r"""
## 路的尽头：`AccumulateGrad`

`a` 没有 `grad_fn`：它不是算出来的，而是一个**叶子节点**。但图里仍需要一个地方接收 `a`
的梯度，那就是 `AccumulateGrad` 节点。它的 `variable` 就是 `a` 本身，它的任务是把到达的梯度
*加*进 `a.grad`。它没有 `next_functions`，走到这里就停了。
""",
    ),
    Code("""
accumulate = d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
print(type(accumulate).__name__)
print(accumulate.variable is a)
print(a.is_leaf, b.is_leaf)
"""),
    Markdown(
        en=r"""
## Walking the whole graph with a loop

Typing `next_functions[0][0]` by hand only follows the first input. A short loop with a stack
visits every node, whatever the shape of the graph. This is, in miniature, what the backward
engine and the drawing below do (they also avoid visiting a node twice).
""",
        zh=r"""
## 用循环走遍整张图

手写 `next_functions[0][0]` 只能沿着第一个输入走。用一个栈写个小循环，
无论图是什么形状，都能访问到每个节点。
这就是反向传播引擎和下面的画图函数所做事情的缩影（它们还会避免重复访问同一个节点）。
""",
    ),
    Code("""
def walk(tensor):
    stack = [(tensor.grad_fn, 0)]
    while stack:
        node, depth = stack.pop()
        print('    ' * depth + type(node).__name__)
        for next_node, _ in reversed(node.next_functions):
            if next_node is not None:
                stack.append((next_node, depth + 1))

walk(d)
"""),
    Markdown(
        en=r"""
## The same graph, drawn

`widgets.draw` walks the graph exactly like that and hands the result to Graphviz. Read it
from the output at the top down to the leaf: each box is a node, each arrow the path a
gradient takes. Giving names to tensors labels the boxes.
""",
        zh=r"""
## 同一张图，画出来

`widgets.draw` 正是这样遍历计算图，再交给 Graphviz 画出来。从最上面的输出往下读到叶子节点：
每个方框是一个节点，每个箭头是梯度要走的路径。给张量起名字，方框上就会标出名字。
""",
    ),
    Code("""
widgets.draw(d, names={'a': a, 'b': b, 'c': c, 'd': d})
"""),
    Markdown(
        en=r"""
With `saved=True` the drawing also shows what each node **saved** for the backward pass:
`SinBackward0` keeps its input `a`, because the derivative of $\sin a$ is $\cos a$.
`AddBackward0` saves nothing: the derivative of $c + 1$ with respect to $c$ is just $1$.
""",
        zh=r"""
加上 `saved=True`，图里还会显示每个节点为反向传播**保存**了什么：`SinBackward0` 保存了输入
`a`，因为 $\sin a$ 的导数是 $\cos a$；`AddBackward0` 什么也不用保存，因为 $c + 1$ 对 $c$
的导数就是 $1$。
""",
    ),
    Code("""
widgets.draw(d, names={'a': a, 'b': b, 'c': c, 'd': d}, saved=True)
"""),
    Markdown(
        en=r"""
## Values and gradients in the boxes

`values=True` writes each tensor's values into its box (a few of them, for a long tensor).
After a backward pass, `grads=True` adds what arrived in each leaf's `.grad`: here $2\cos a$.
We pass `retain_graph=True` so the saved tensors stay available for the explorer and the
exercises below (notebook 4 says more about it).
""",
        zh=r"""
## 在方框里显示数值和梯度

`values=True` 会把每个张量的数值写进它的方框（张量很长时只写几个）。
做完一次反向传播后，`grads=True` 还会显示每个叶子节点的 `.grad` 收到了什么：这里是 $2\cos a$。
我们传入 `retain_graph=True`，让保存的张量在下面的浏览器和练习中仍然可用（第 4 节会细讲）。
""",
    ),
    Code("""
out = d.sum()
out.backward(retain_graph=True)
widgets.draw(out, names={'a': a, 'b': b, 'c': c, 'd': d, 'out': out}, values=True, grads=True)
"""),
    Markdown(
        en=r"""
## Exploring node by node

`widgets.GraphView` lets you pick a node (from the list, or by following one of its
`next_functions` with the buttons) and shows its class name, the Python expression that
reaches it from `d`, its `next_functions` and its saved tensors. Try following the path down
to `AccumulateGrad`.
""",
        zh=r"""
## 逐个节点地查看

`widgets.GraphView` 让你挑选一个节点（从列表里选，或用按钮沿着它的某个 `next_functions`
往下走），并显示它的类名、从 `d` 出发到达它的 Python 表达式、它的 `next_functions`
以及它保存的张量。试着一路走到 `AccumulateGrad`。
""",
    ),
    Code("""
view = widgets.GraphView(d, names={'a': a, 'd': d})
view
"""),
    Markdown(
        en=r"""
## Two inputs, two branches

Graphs are rarely a single chain. Here `y` is used twice, so its `AccumulateGrad` node has two
arrows coming in: during backward, the two contributions are added together. The
multiplication has two inputs, so its `next_functions` has two entries.
""",
        zh=r"""
## 两个输入，两条分支

计算图很少只是一条链。这里 `y` 被用了两次，所以它的 `AccumulateGrad` 节点有两个箭头指向它：
反向传播时，这两份贡献会相加。乘法有两个输入，所以它的 `next_functions` 有两项。
""",
    ),
    Code("""
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = torch.tensor([0.5, -1.0], requires_grad=True)
z = (x * y + y.exp()).sum()
print(z.grad_fn.next_functions[0][0].next_functions)
widgets.draw(z, names={'x': x, 'y': y, 'z': z})
"""),
    Markdown(
        en=r"""
## Exercises

Try each one yourself first: replace the answer with your own, run the cell, and read what
the check says. The cells below hold worked answers.

**1.** How many nodes does `d`'s graph have, counting `AccumulateGrad`? Count them with the
`walk` idea above (a counter instead of a print).
""",
        zh=r"""
## 练习

每道题请先自己做：把答案换成你自己的，运行单元格，看看检查函数怎么说。下面的单元格里是参考答案。

**1.** 把 `AccumulateGrad` 也算上，`d` 的计算图一共有几个节点？用上面 `walk`
的思路来数（把打印换成计数）。
""",
    ),
    Code("""
def count_nodes(tensor):
    count, stack = 0, [tensor.grad_fn]
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(n for n, _ in node.next_functions if n is not None)
    return count

answer = count_nodes(d)
widgets.check.close(answer, 4, name='The number of nodes')
"""),
    Markdown(
        en=r"""
**2.** Which tensor did `SinBackward0` save? Read it from `b.grad_fn._saved_self` and check
that it holds the same values as `a`.
""",
        zh=r"""
**2.** `SinBackward0` 保存的是哪个张量？从 `b.grad_fn._saved_self` 读出来，检查它的值是否和
`a` 相同。
""",
    ),
    Code("""
saved = b.grad_fn._saved_self
widgets.check.close(saved.detach(), a.detach(), name='The tensor SinBackward0 saved')
"""),
    Markdown(
        en=r"""
**3.** For $z = \sum_i (x_i y_i + e^{y_i})$, work out $\partial z / \partial y$ by hand, then
let `backward()` confirm it.
""",
        zh=r"""
**3.** 对 $z = \sum_i (x_i y_i + e^{y_i})$，先手算 $\partial z / \partial y$，再用
`backward()` 验证。
""",
    ),
    Code("""
z.backward()
by_hand = x.detach() + y.detach().exp()
widgets.check.gradient(y.grad, by_hand, of=y, name='y.grad')
"""),
]
