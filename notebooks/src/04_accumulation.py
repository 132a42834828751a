"""04 · Gradients accumulate: `zero_grad`, a leaf used twice, backward called twice."""

from build import Code, Exercise, Markdown

CELLS = [
    Markdown(
        en=r"""
# 4 · Gradients accumulate

`backward()` never *overwrites* a `.grad`: it **adds** to it. That one design choice explains
why every training loop calls `optimizer.zero_grad()`, why a weight used in two places gets the
sum of two gradients, and how you can train on a batch too big for memory one slice at a time.

**After this notebook you will be able to**

- follow one training step of a small model: forward, `backward()`, `optimizer.step()`;
- predict what `.grad` holds after several `backward()` calls, and reset it with
  `optimizer.zero_grad()` (zeros, or `None`);
- watch, node by node, the engine add up the two gradients of a tensor used twice;
- use accumulation on purpose: gradients of micro-batches that add up to a full batch.
""",
        zh=r"""
# 4 · 梯度是累加的

`backward()` 从不*覆盖* `.grad`，而是把新算出的梯度**加**上去。理解了这一点，就能明白：
为什么每个训练循环都要调用
`optimizer.zero_grad()`；为什么在两处用到的同一个权重，得到的是两份梯度之和；
以及为什么显存放不下一个大批次时，
可以把它切成几小份，逐份反向传播。

**学完本节，你将能够**

- 跟踪一个小模型的一步训练：前向计算、`backward()`、`optimizer.step()`；
- 预测多次调用 `backward()` 之后 `.grad` 里是什么，并用 `optimizer.zero_grad()` 清零（置为 0 或
`None`）；
- 逐个节点地观察反向传播引擎如何把同一个叶子节点的两份梯度加在一起；
- 主动利用累加：几个小批次的梯度相加，正好等于整个批次的梯度。
""",
    ),
    Code("""
import matplotlib.pyplot as plt

import minigrad as torch
import widgets
"""),
    Markdown(
        en=r"""
## A tiny model and one training batch

This is the model from PyTorch's tutorial: two linear layers with a ReLU between them, random
inputs, and random "ideal" outputs to aim for. We seed the random number generator, so you get
exactly the numbers printed here (and PyTorch, seeded the same way, gets them too).

Notice that nothing says `requires_grad=True`: the layers of a `torch.nn.Module` create their
weights as parameters, and parameters require gradients.
""",
        zh=r"""
## 一个小模型和一个训练批次

下面是 PyTorch 教程里的模型：两个线性层，中间夹一个 ReLU；输入是随机数，"理想输出"也是随机数。
我们先固定随机种子，
这样你得到的数字和这里打印的完全一致（用同样种子的 PyTorch 也一样）。

注意，代码里没有任何地方写 `requires_grad=True`：`torch.nn.Module`
的各层把权重创建为参数（parameter），
而参数默认需要梯度。
""",
    ),
    Code("""
torch.manual_seed(0)

BATCH_SIZE = 16
DIM_IN = 1000
HIDDEN_SIZE = 100
DIM_OUT = 10

class TinyModel(torch.nn.Module):

    def __init__(self):
        super(TinyModel, self).__init__()

        self.layer1 = torch.nn.Linear(DIM_IN, HIDDEN_SIZE)
        self.relu = torch.nn.ReLU()
        self.layer2 = torch.nn.Linear(HIDDEN_SIZE, DIM_OUT)

    def forward(self, x):
        x = self.layer1(x)
        x = self.relu(x)
        x = self.layer2(x)
        return x

some_input = torch.randn(BATCH_SIZE, DIM_IN, requires_grad=False)
ideal_output = torch.randn(BATCH_SIZE, DIM_OUT, requires_grad=False)

model = TinyModel()
"""),
    Markdown(
        en=r"""
A slice of the second layer's weights, and its gradient. No `backward()` has run yet, so the
gradient is `None`: not zero, simply not there.
""",
        zh=r"""
看看第二层权重的一小段，以及它的梯度。还没有调用过 `backward()`，所以梯度是 `None`：不是 0，
而是根本还不存在。
""",
    ),
    Code("""
print(model.layer2.weight[0][0:10]) # just a small slice
print(model.layer2.weight.grad)
"""),
    Markdown(
        en=r"""
The loss is the squared distance between prediction and ideal output,
$L = \sum_{i,j} (\hat y_{ij} - y_{ij})^2$, and the optimizer is plain stochastic gradient
descent: each step moves every parameter by $-\text{lr} \cdot \partial L / \partial p$.
""",
        zh=r"""
损失函数取预测值与理想输出之差的平方和，$L = \sum_{i,j} (\hat y_{ij} - y_{ij})^2$；
优化器是最朴素的随机梯度下降（SGD）：
每一步把每个参数 $p$ 移动 $-\text{lr} \cdot \partial L / \partial p$。
""",
    ),
    Code("""
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

prediction = model(some_input)

loss = (ideal_output - prediction).pow(2).sum()
print(loss)
"""),
    Markdown(
        en=r"""
`backward()` fills in the gradients. The weights themselves do not move: computing a
gradient and using it are two separate steps.
""",
        zh=r"""
`backward()` 把梯度算出来并存进 `.grad`，但权重本身纹丝不动：计算梯度和使用梯度是两个独立的步骤。
""",
    ),
    Code("""
loss.backward()
print(model.layer2.weight[0][0:10])
print(model.layer2.weight.grad[0][0:10])
"""),
    Markdown(
        en=r"""
`optimizer.step()` is the step that uses them. Check the first weight: $0.0317 - 0.001 \times
6.4291 \approx 0.0253$. The gradient is left as it was.
""",
        zh=r"""
使用梯度的是 `optimizer.step()`。验算第一个权重：$0.0317 - 0.001 \times 6.4291 \approx 0.0253$。
梯度本身保持不变。
""",
    ),
    Code("""
optimizer.step()
print(model.layer2.weight[0][0:10])
print(model.layer2.weight.grad[0][0:10])
"""),
    Markdown(
        en=r"""
## Forgetting to zero

Now run five more batches *without* resetting the gradients. Each `backward()` adds its
gradient to what is already in `.grad`, so the numbers keep growing. Then
`optimizer.zero_grad(set_to_none=False)` fills every `.grad` with zeros.
""",
        zh=r"""
## 忘记清零会怎样

现在在*不*清零梯度的情况下再跑五个批次。每次 `backward()` 都把新梯度加到 `.grad` 已有的值上，
所以数字越来越大。
最后 `optimizer.zero_grad(set_to_none=False)` 把每个 `.grad` 填成 0。
""",
    ),
    Code("""
print(model.layer2.weight.grad[0][0:10])

for i in range(0, 5):
    prediction = model(some_input)
    loss = (ideal_output - prediction).pow(2).sum()
    loss.backward()

print(model.layer2.weight.grad[0][0:10])

optimizer.zero_grad(set_to_none=False)

print(model.layer2.weight.grad[0][0:10])
"""),
    Markdown(
        en=r"""
Plain `optimizer.zero_grad()` goes one step further: its default is `set_to_none=True`, so
`.grad` goes back to `None`, exactly as before the first `backward()`. That saves memory and
a pass over the zeros; the next `backward()` simply stores its gradient instead of adding it.
""",
        zh=r"""
不带参数的 `optimizer.zero_grad()` 更彻底：它默认 `set_to_none=True`，把 `.grad` 恢复成 `None`，
和第一次
`backward()` 之前一模一样。这样既省内存，也省去一遍对零的加法；下一次 `backward()` 直接存下梯度，
而不是加上去。
""",
    ),
    Code("""
optimizer.zero_grad()
print(model.layer2.weight.grad)
"""),
    Markdown(
        en=r"""
### The picture: how fast forgotten gradients grow

Between these `backward()` calls no optimizer step runs, so every batch has the *same*
gradient $g$. Without zeroing, after $k$ calls `.grad` holds $k\,g$: its size grows in a
straight line. With `zero_grad()` before each call it stays at $\lVert g \rVert$. A learning
step built on $k\,g$ is $k$ times too long, which is how forgotten gradients make training
blow up.
""",
        zh=r"""
### 看图：忘记清零时梯度增长得有多快

下面几次 `backward()` 之间没有执行优化步骤，所以每个批次的梯度都是*同一个* $g$。不清零的话，调用
$k$ 次后 `.grad`
里就是 $k\,g$，它的大小沿直线增长；每次调用前先 `zero_grad()`，它就一直停在 $\lVert g \rVert$。
用 $k\,g$ 去更新参数，步子就大了 $k$ 倍——忘记清零之所以会让训练发散，原因就在这里。
""",
    ),
    Code("""
def layer2_grad_norms(zero_first, calls=6):
    norms = []
    for _ in range(calls):
        if zero_first:
            optimizer.zero_grad()
        loss = (ideal_output - model(some_input)).pow(2).sum()
        loss.backward()
        norms.append(model.layer2.weight.grad.norm().item())
    optimizer.zero_grad()
    return norms

forgotten = layer2_grad_norms(zero_first=False)
zeroed = layer2_grad_norms(zero_first=True)
print("without zero_grad:", [round(n, 1) for n in forgotten])
print("with zero_grad:   ", [round(n, 1) for n in zeroed])
"""),
    Code("""
calls = range(1, len(forgotten) + 1)
figure, axes = plt.subplots(figsize=(6, 3.2))
axes.plot(calls, forgotten, marker="o", color="#dc2626", label="no zero_grad(): grows as k·|g|")
axes.plot(calls, zeroed, marker="o", color="#2563eb", label="zero_grad() before each backward()")
axes.set_xlabel("number of backward() calls k")
axes.set_ylabel("norm of layer2.weight.grad")
axes.set_ylim(bottom=0)
axes.legend(fontsize=8)
plt.show()
"""),
    Markdown(
        en=r"""
## Why adding is the right thing: a leaf used twice

Accumulating is not just a convenience for training loops; the chain rule demands it. Take
$$y = \sum_i \big(x_i w_i + \sin w_i\big).$$
The weight $w$ reaches $y$ along **two paths**, through the product and through the sine, and
the derivative is the sum over the paths:
$$\frac{\partial y}{\partial w_i} = \underbrace{x_i}_{\text{through } x\cdot w} +
\underbrace{\cos w_i}_{\text{through } \sin w}.$$
In the graph, `w` feeds both `MulBackward0` and `SinBackward0`.
""",
        zh=r"""
## 为什么"加"才是对的：同一个叶子节点用了两次

累加不只是为训练循环提供方便，链式法则本身就要求这样做。看这个函数：
$$y = \sum_i \big(x_i w_i + \sin w_i\big).$$
权重 $w$ 沿**两条路径**影响 $y$：一条经过乘法，一条经过正弦。偏导数是各条路径的贡献之和：
$$\frac{\partial y}{\partial w_i} = \underbrace{x_i}_{\text{经过 } x\cdot w} +
\underbrace{\cos w_i}_{\text{经过 } \sin w}.$$
在计算图里可以看到，`w` 同时连到 `MulBackward0` 和 `SinBackward0`。
""",
    ),
    Code("""
x = torch.tensor([0.5, 1.0], requires_grad=True)
w = torch.tensor([2.0, -1.0], requires_grad=True)
y = (x * w + w.sin()).sum()
print(y)
widgets.draw(y, names={"x": x, "w": w})
"""),
    Markdown(
        en=r"""
Step through the backward pass below with **Step** (or **Play**). Watch the two arrows into
`w`: one gradient arrives from `SinBackward0`, another from `MulBackward0`, and only when both
are in does the engine run `w`'s `AccumulateGrad`, which adds their sum to `w.grad`. The side
panel lists the contributions as they arrive.
""",
        zh=r"""
用下面的 **Step**（或 **Play**）逐步执行反向传播。留意指向 `w` 的两条边：一份梯度来自
`SinBackward0`，另一份来自
`MulBackward0`；两份都到齐后，引擎才执行 `w` 的 `AccumulateGrad`，把它们的和加到 `w.grad` 上。
右侧面板会列出陆续到达的各份贡献。
""",
    ),
    Code("""
stepper = widgets.BackwardStepper(y, names={"x": x, "w": w})
stepper
"""),
    Markdown(
        en=r"""
The same information without clicking: `stepper.run()` runs every remaining node (the widget
above jumps to the end), and `stepper.contributions(w)` lists the gradients that were sent
towards `w`, with the node that sent each one.
""",
        zh=r"""
不点按钮也能拿到同样的信息：`stepper.run()` 执行剩下的所有节点（上面的控件会直接跳到最后一步），
`stepper.contributions(w)` 列出发往 `w` 的每一份梯度，以及发送它的节点。
""",
    ),
    Code("""
stepper.run()
for node, input_nr, grad in stepper.contributions(w):
    print(f"from {node.name()} (its input {input_nr}): {grad}")
print("w.grad:       ", w.grad)
print("x + cos(w):   ", (x + w.cos()).detach())
"""),
    Markdown(
        en=r"""
$-0.4161 + 0.5 = 0.0839$ and $0.5403 + 1 = 1.5403$: the two contributions, added.

## Calling `backward()` twice

Accumulation also works *across* calls. We record the same function once more (the stepper
keeps its own graph), start from empty gradients and call `backward()` twice; the first call
passes `retain_graph=True` so that the graph is still there for the second. The second
gradient is added to the first, and `w.grad` doubles:
""",
        zh=r"""
$-0.4161 + 0.5 = 0.0839$，$0.5403 + 1 = 1.5403$：正是两份贡献之和。

## 调用两次 `backward()`

累加在*多次调用之间*同样成立。我们把同一个函数再记录一遍（步进器有它自己的计算图），
从空的梯度开始，调用两次 `backward()`；第一次传入 `retain_graph=True`，让计算图留到第二次。
第二次的梯度被加到第一次的上面，`w.grad` 变成了原来的两倍：
""",
    ),
    Code("""
x.grad, w.grad = None, None
y_again = (x * w + w.sin()).sum()
y_again.backward(retain_graph=True)
print(w.grad)
y_again.backward()
print(w.grad)
print(x.grad)
"""),
    Markdown(
        en=r"""
That is the gradient of $2y$, not of $y$. In a training loop this is a bug; below you will
use the very same behaviour on purpose.

## Exercises

Replace each `...` with your answer and run the cell, then run the check below it: it says
whether your answer is right and, if not, what looks wrong. A solution is folded under each
check: try first, then compare.

**Exercise 1 — predict the accumulated gradient.** With the same `x` and `w`, a fresh graph
`y = (x * w + w.sin()).sum()` is differentiated three times (keeping the graph each time).
Write `predicted_w_grad` as a formula in `x` and `w` (detached) before running; the check
cell does the three calls.
""",
        zh=r"""
这其实是 $2y$ 的梯度，而不是 $y$ 的。在训练循环里这是个 bug；下面的练习里，你会有意利用同一个行为。

## 练习

把每个 `...` 换成你的答案并运行该单元格，再运行下面的检查单元格：它会告诉你答案对不对，
不对的话哪里看起来有问题。每个检查下面都折叠着一份参考答案：先自己做，再对照。

**练习 1：预测累加后的梯度。** 仍用上面的 `x` 和 `w`，新建计算图 `y = (x * w + w.sin()).sum()`，
并对它调用三次反向传播（每次都保留计算图）。在运行之前，用 `x` 和 `w`（detach 之后）的公式写出 `predicted_w_grad`；三次调用由检查单元格来做。
""",
    ),
    Exercise(
        grade_id="04_predict_accumulated",
        code="""
x = torch.tensor([0.5, 1.0], requires_grad=True)
w = torch.tensor([2.0, -1.0], requires_grad=True)
### BEGIN SOLUTION
predicted_w_grad = 3 * (x.detach() + w.detach().cos())
### END SOLUTION
""",
        placeholder="predicted_w_grad = ...  # en: your formula for w.grad | zh: 你对 w.grad 的公式",
        check="""
w.grad = None
y = (x * w + w.sin()).sum()
for _ in range(3):
    y.backward(retain_graph=True)
widgets.check.gradient(predicted_w_grad, w.grad, of=w, name="predicted_w_grad")
""",
    ),
    Markdown(
        en=r"""
**Exercise 2 — fix the training loop.** This loop fits a line $y = a x + b$ and records the
gradient of the last batch. As written it forgets something, so the recorded gradients are
wrong. Replace `...` with the missing line; the check compares `a.grad` after the loop with the gradient of
the last batch alone.
""",
        zh=r"""
**练习 2：修好训练循环。** 下面的循环在拟合直线 $y = a x + b$。按原样运行它会漏掉一步，导致 `.grad`
不对。
请把 `...` 换成缺的那一行；检查函数会把循环结束后的 `a.grad` 与"只用最后一个批次算出的梯度"相比较。
""",
    ),
    Exercise(
        grade_id="04_fix_the_loop",
        code="""
torch.manual_seed(0)
inputs = torch.randn(4, 8)
targets = 3 * inputs + 1
a = torch.zeros(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
line_optimizer = torch.optim.SGD([a, b], lr=0.1)

for batch_x, batch_y in zip(inputs, targets):
    ### BEGIN SOLUTION
    line_optimizer.zero_grad()
    ### END SOLUTION
    loss = (a * batch_x + b - batch_y).pow(2).mean()
    loss.backward()
    line_optimizer.step()
""",
        placeholder="...  # en: the missing line | zh: 缺少的那一行",
        check="""
# en: the gradient of the last batch alone, at the values a and b had before the last step | zh: 只用最后一个批次、在最后一步之前的 a 和 b 处算出的梯度
last_x, last_y = inputs[-1], targets[-1]
a_before = (a + 0.1 * a.grad).detach().requires_grad_(True)
b_before = (b + 0.1 * b.grad).detach()
(a_before * last_x + b_before - last_y).pow(2).mean().backward()
widgets.check.gradient(a.grad, a_before.grad, of=a, name="a.grad")
""",
    ),
    Markdown(
        en=r"""
**Exercise 3 — accumulation on purpose.** When a batch does not fit in memory, split it into
micro-batches, call `backward()` on each and step once: the gradients add up. For the sum of
the pieces to equal the gradient of the *mean* loss over the whole batch, each micro-batch's
loss must be scaled. Change the line that sets `scaled_loss` so that the accumulated `model.weight.grad` equals
the full-batch gradient.
""",
        zh=r"""
**练习 3：有意地累加。** 一个批次放不进内存时，可以把它切成几个小批次（micro-batch），逐个调用
`backward()`，
最后只做一次优化步骤：各份梯度自然会累加起来。但要让累加结果等于整个批次*平均*损失的梯度，
每个小批次的损失需要乘上一个系数。
请修改给 `scaled_loss` 赋值的那一行，使累加后的 `model.weight.grad` 与整批计算的梯度相同。
""",
    ),
    Exercise(
        grade_id="04_scale_micro_batches",
        code="""
torch.manual_seed(0)
model = torch.nn.Linear(3, 1)
batch = torch.randn(8, 3)
batch_targets = torch.randn(8, 1)

model.zero_grad()
for micro_x, micro_y in zip(batch.split(2), batch_targets.split(2)):  # en: four micro-batches of two | zh: 四个小批次，每个两条
    micro_loss = (model(micro_x) - micro_y).pow(2).mean()
    ### BEGIN SOLUTION
    scaled_loss = micro_loss / 4
    ### END SOLUTION
    scaled_loss.backward()
""",
        placeholder="scaled_loss = micro_loss  # en: scale it | zh: 给它乘上系数",
        check="""
# en: the reference: the gradient of the mean loss over the whole batch | zh: 参照：整批平均损失的梯度
full_loss = (model(batch) - batch_targets).pow(2).mean()
full_batch_grad = torch.autograd.grad(full_loss, model.weight)[0]
widgets.check.gradient(model.weight.grad, full_batch_grad, of=model.weight,
                       name="model.weight.grad")
""",
    ),
    Markdown(
        en=r"""
## What you have seen

- `backward()` adds into `.grad`; `optimizer.zero_grad()` resets it (to `None` by default,
  to zeros with `set_to_none=False`).
- A tensor used in several places receives the **sum** of the gradients along every path:
  that is the chain rule, and the engine does it before the leaf's `AccumulateGrad` runs.
- The same adding across `backward()` calls is a bug when forgotten and a tool when wanted
  (gradient accumulation over micro-batches).

Next: switching autograd off and on, and what in-place operations do to it.
""",
        zh=r"""
## 小结

- `backward()` 把梯度加进 `.grad`；`optimizer.zero_grad()` 将其重置（默认置为 `None`，
`set_to_none=False` 时置为 0）。
- 在多处用到的张量，得到的是沿每条路径传回的梯度之**和**：这就是链式法则，引擎在执行该叶子节点的
`AccumulateGrad` 之前就把它们加好了。
- 多次调用 `backward()` 之间的累加，忘了清零就是 bug，有意为之就是工具（小批次梯度累加）。

下一节：关闭和开启自动微分，以及原地（in-place）操作对它的影响。
""",
    ),
]
