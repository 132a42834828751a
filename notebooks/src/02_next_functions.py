"""02 · Walking the graph: `grad_fn`, `next_functions`, drawn and explored."""

from build import Code, Exercise, Markdown

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

`widgets.draw` walks the graph exactly like that and hands the result to Graphviz. It reads
from left to right, the way the computation ran: the leaf `a` on the left, the output `d` on
the right. Each box is a node; each arrow points the way the forward pass went, and during
`backward()` the gradient travels against the arrows, from right to left. Giving names to
tensors labels the boxes.
""",
        zh=r"""
## 同一张图，画出来

`widgets.draw` 正是这样遍历计算图，再交给 Graphviz 画出来。图从左往右读，顺序和计算执行时一样：
叶子节点 `a` 在最左边，输出 `d` 在最右边。每个方框是一个节点；箭头指向前向计算的方向，
而 `backward()` 时梯度逆着箭头，从右往左流动。给张量起名字，方框上就会标出名字。
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

Graphs are rarely a single chain. Here `y` is used twice, in `x * y` and in `y.exp()`, so two
arrows leave its box: during backward, a gradient comes back along each of them, and the two
are added together before `AccumulateGrad` stores them in `y.grad`. The printed tuple is the
`next_functions` of the addition `AddBackward0` (reached from `SumBackward0`): the addition
has two inputs, so it has two entries, `MulBackward0` and `ExpBackward0`.
""",
        zh=r"""
## 两个输入，两条分支

计算图很少只是一条链。这里 `y` 被用了两次（`x * y` 和 `y.exp()`），所以从它的方框出发有两个箭头：
反向传播时，梯度沿每个箭头各传回一份，两份相加后再由 `AccumulateGrad` 存进 `y.grad`。
打印出来的元组是加法节点 `AddBackward0`（从 `SumBackward0` 走一步到达）的 `next_functions`：
加法有两个输入，所以它有两项，`MulBackward0` 和 `ExpBackward0`。
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
## Recorded as it runs: branches and loops

The graph is not declared in advance: autograd records each operation at the moment it runs.
So a function with an ordinary `if` and a `while` loop just works, and the graph it leaves
behind is the path the code actually took. Below, the loop doubles `y` until it is large
enough, and the branch picks `sin` or `exp` by the sign of the sum. Two inputs, two different
graphs from the same function:
""",
        zh=r"""
## 边运行边记录：分支与循环

计算图不是事先声明的：自动微分在每个运算执行的那一刻把它记录下来。所以带普通 `if`
和 `while` 循环的函数照样能求导，留下的计算图就是代码实际走过的那条路。下面的循环不断把 `y`
翻倍，直到它足够大；分支则按和的正负选择 `sin` 或 `exp`。同一个函数，两个输入，两张不同的图：
""",
    ),
    Code("""
def recorded_as_it_runs(x):
    y = x
    while y.abs().sum() < 4:  # en: how many doublings depends on x | zh: 翻倍几次取决于 x
        y = y * 2
    if y.sum() > 0:  # en: the branch taken depends on x too | zh: 走哪个分支也取决于 x
        return y.sin().sum()
    return y.exp().sum()


small = torch.tensor([1.0, 0.5], requires_grad=True)
widgets.draw(recorded_as_it_runs(small), names={'small': small})
"""),
    Code("""
negative = torch.tensor([-3.0, 0.5], requires_grad=True)
widgets.draw(recorded_as_it_runs(negative), names={'negative': negative})
"""),
    Markdown(
        en=r"""
For `small` the loop ran twice and the `sin` branch was taken; for `negative` the loop ran
once and the `exp` branch was taken. `backward()` follows whichever graph was recorded.

## Exercises

Replace each `...` with your answer and run the cell, then run the check below it. A solution
is folded under each check: try first, then compare.

**1.** Write `count_nodes(tensor)`: the number of nodes in the graph behind `tensor`,
counting `AccumulateGrad`. Use the `walk` idea above, with a counter instead of a print. The
check counts a chain of seven multiplications.
""",
        zh=r"""
对 `small`，循环执行了两次，走的是 `sin` 分支；对 `negative`，循环只执行了一次，走的是 `exp`
分支。`backward()` 沿着实际记录下来的那张图走。

## 练习

把每个 `...` 换成你的答案并运行该单元格，再运行下面的检查单元格。每个检查下面都折叠着一份参考答案：
先自己做，再对照。

**1.** 写出 `count_nodes(tensor)`：`tensor` 背后计算图的节点数，`AccumulateGrad` 也算在内。
用上面 `walk` 的思路（把打印换成计数）。检查函数会拿一条由七次乘法组成的链来数。
""",
    ),
    Exercise(
        grade_id="02_count_nodes",
        code="""
def count_nodes(tensor):
    ### BEGIN SOLUTION
    count, stack = 0, [tensor.grad_fn]
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(n for n, _ in node.next_functions if n is not None)
    return count
    ### END SOLUTION
""",
        placeholder="return ...  # en: your count | zh: 你数出的节点数",
        check="""
chain = torch.tensor(1.0, requires_grad=True)
for _ in range(7):
    chain = chain * 2
widgets.check.close(count_nodes(chain), 7 + 1, name="count_nodes(chain)")
""",
    ),
    Markdown(
        en=r"""
**2 — predict.** `SinBackward0` saves one tensor for the backward pass. Which of `a`, `b`, `c`,
`d` is it? Set `saved_by_sin` to that tensor; the check compares it with what the node really
saved.
""",
        zh=r"""
**2：先预测。** `SinBackward0` 为反向传播保存了一个张量。它是 `a`、`b`、`c`、`d`
中的哪一个？把 `saved_by_sin` 设为那个张量；检查函数会把它与节点实际保存的张量比较。
""",
    ),
    Exercise(
        grade_id="02_saved_tensor",
        code="""
a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
b = torch.sin(a)
c = 2 * b
d = c + 1
### BEGIN SOLUTION
saved_by_sin = a
### END SOLUTION
""",
        placeholder="saved_by_sin = ...  # en: a, b, c or d | zh: a、b、c 或 d",
        check="""
widgets.check.close(saved_by_sin, b.grad_fn._saved_self, name="saved_by_sin")
""",
    ),
    Markdown(
        en=r"""
**3 — predict.** For $z = \sum_i (x_i y_i + e^{y_i})$, work out $\partial z / \partial y$
by hand and write it as `predicted_y_grad`, computed from `x.detach()` and `y.detach()`. The
check then lets `backward()` confirm it.
""",
        zh=r"""
**3：先预测。** 对 $z = \sum_i (x_i y_i + e^{y_i})$，手算 $\partial z / \partial y$，写成
`predicted_y_grad`（由 `x.detach()` 和 `y.detach()` 算出）。检查单元格随后用 `backward()`
来验证。
""",
    ),
    Exercise(
        grade_id="02_predict_y_grad",
        code="""
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = torch.tensor([0.5, -1.0], requires_grad=True)
### BEGIN SOLUTION
predicted_y_grad = x.detach() + y.detach().exp()
### END SOLUTION
""",
        placeholder="predicted_y_grad = ...  # en: your formula | zh: 你的公式",
        check="""
y.grad = None
z = (x * y + y.exp()).sum()
z.backward()
widgets.check.gradient(predicted_y_grad, y.grad, of=y, name="predicted_y_grad")
""",
    ),
]
