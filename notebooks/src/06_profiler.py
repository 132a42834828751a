"""06 · The autograd profiler: what ran, how often, how long; labels and Chrome traces."""

from build import Code, Exercise, Markdown

CELLS = [
    Markdown(
        en=r"""
# 6 · The autograd profiler

Autograd already watches every operation in order to build the graph. Add a clock and you have
a profiler: it tells you which operations ran, how many times, and where the time went, in the
forward pass and in the backward pass.

**After this notebook you will be able to**

- profile a block of code with `torch.autograd.profiler.profile` and read its table;
- get the parts of a profile that do not depend on timing (which operations, how many calls)
  from `key_averages()`;
- label your own blocks with `record_function`, and see how the backward pass shows up;
- export a trace with `export_chrome_trace` and open it in `chrome://tracing` or Perfetto.
""",
        zh=r"""
# 6 · 自动微分性能分析器

为了建立计算图，自动微分本来就在盯着每一个运算。再加上一只秒表，就成了性能分析器（profiler）：
它告诉你前向和反向传播中运行了哪些运算、
各运行了多少次、时间都花在了哪里。

**学完本节，你将能够**

- 用 `torch.autograd.profiler.profile` 分析一段代码，并读懂它输出的表格；
- 从 `key_averages()` 中取出与计时无关的信息（运行了哪些运算、各调用了几次）；
- 用 `record_function` 给自己的代码块加标签，并看清反向传播在分析结果中的样子；
- 用 `export_chrome_trace` 导出追踪文件，并在 `chrome://tracing` 或 Perfetto 中打开。
""",
    ),
    Code("""
import json
import os
import tempfile
from collections import Counter

import matplotlib.pyplot as plt

import minigrad as torch
import widgets
"""),
    Markdown(
        en=r"""
## Profiling a loop

The tutorial's example: 1000 rounds of `z = (z / x) * y` inside a `profile` block. It asks for
GPU timings only when a GPU is there; minigrad runs on NumPy, so `torch.cuda.is_available()`
is `False` and the profile is CPU-only.

The table lists one row per operation, sorted by *self* CPU time: time spent in the operation
itself, not in operations it called. **Your times will differ from the ones stored here**
(they depend on your machine and on what else it is doing); the names and the call counts
are the part to read.
""",
        zh=r"""
## 分析一个循环

这是教程中的例子：在 `profile` 块里把 `z = (z / x) * y` 执行 1000 次。只有在有 GPU 时才要求记录 GPU
时间；
minigrad 基于 NumPy，`torch.cuda.is_available()` 为 `False`，所以只分析 CPU。

表格中每个运算占一行，按*自身* CPU 时间（self CPU，即运算本身花的时间，不含它调用的其他运算）排序。
**你得到的时间会和这里保存的不同**（它取决于你的机器以及机器当时还在忙什么）；
要看的是名字和调用次数。
""",
    ),
    Code("""
torch.manual_seed(0)

device = torch.device('cpu')
run_on_gpu = False
if torch.cuda.is_available():
    device = torch.device('cuda')
    run_on_gpu = True

x = torch.randn(2, 3, requires_grad=True)
y = torch.rand(2, 3, requires_grad=True)
z = torch.ones(2, 3, requires_grad=True)

with torch.autograd.profiler.profile(use_cuda=run_on_gpu) as prf:
    for _ in range(1000):
        z = (z / x) * y

print(prf.key_averages().table(sort_by='self_cpu_time_total'))
""", tags=("nbval-ignore-output",)),
    Markdown(
        en=r"""
## The same data, without the clock

`key_averages()` groups the recorded events by name. Each group has a `key` (the operation's
name) and a `count` (how many calls), plus the times you saw in the table. Key and count are
the same on every run, and often they are what you want to know: "does this loop really call
`div` a thousand times?"
""",
        zh=r"""
## 同样的数据，去掉秒表

`key_averages()` 把记录下来的事件按名字分组。每组有一个 `key`（运算名）和一个 `count`（调用次数），
以及表格里的那些时间。
`key` 和 `count` 每次运行都一样，而且往往正是你想知道的："这个循环真的调用了一千次 `div` 吗？"
""",
    ),
    Code("""
for event in prf.key_averages():
    print(f"{event.key:12} {event.count:5d} calls")
"""),
    Markdown(
        en=r"""
Only the forward operations appear: the loop never called `backward()`. Let's profile a whole
training step, forward and backward, and label the two halves with
`torch.autograd.profiler.record_function`. A label is an event of its own, and everything that
runs inside it is nested under it.
""",
        zh=r"""
上表里只有前向运算，因为这个循环从没调用过 `backward()`。下面分析完整的一步训练，包括前向和反向，
并用 `torch.autograd.profiler.record_function` 给这两半加上标签。标签本身也是一个事件，
在它里面运行的一切都嵌套在它之下。
""",
    ),
    Code("""
torch.manual_seed(0)
inputs = torch.randn(4, 3)
weights = torch.randn(3, 2, requires_grad=True)

with torch.autograd.profiler.profile() as prof:
    with torch.autograd.profiler.record_function("forward"):
        hidden = (inputs @ weights).relu()
        loss = hidden.pow(2).mean()
    with torch.autograd.profiler.record_function("backward"):
        loss.backward()
"""),
    Markdown(
        en=r"""
Each event knows the event it ran inside (`cpu_parent`) and the events that ran inside it
(`cpu_children`). Printing that tree shows how the engine works: for every node of the
backward graph there is an `autograd::engine::evaluate_function: ...` event, inside it the
node itself (`MeanBackward0`, ...), and inside that the ordinary operations its backward
formula uses. `PowBackward0` computes $2h \cdot \text{grad}$ with a `pow` and two `mul`s, and
the last node, `AccumulateGrad`, stores the result in `weights.grad`.
""",
        zh=r"""
每个事件都知道自己在哪个事件里面运行（`cpu_parent`），以及哪些事件在自己里面运行（`cpu_children`）。
把这棵树打印出来，
就能看清引擎的工作方式：反向计算图的每个节点都对应一个 `autograd::engine::evaluate_function: ...`
事件，里面是节点本身
（`MeanBackward0` 等），再往里是它的反向公式用到的普通运算。`PowBackward0` 用一次 `pow` 和两次
`mul` 算出
$2h \cdot \text{grad}$；最后一个节点 `AccumulateGrad` 把结果存进 `weights.grad`。
""",
    ),
    Code("""
def print_tree(event, depth=0):
    print("    " * depth + event.name)
    for child in event.cpu_children:
        print_tree(child, depth + 1)

for event in prof.function_events:
    if event.cpu_parent is None:
        print_tree(event)
"""),
    Markdown(
        en=r"""
The table of this profile, sorted by *total* CPU time, puts the two labels on top, since each
contains everything that ran in its half. (Timings again: yours will differ.)
""",
        zh=r"""
按*总* CPU 时间排序时，两个标签排在最前面，因为各自包含了它那一半里运行的所有运算。
（同样是计时结果，你的数字会不一样。）
""",
    ),
    Code("""
print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=6))
""", tags=("nbval-ignore-output",)),
    Markdown(
        en=r"""
## Exporting a trace

`export_chrome_trace(path)` writes every event as JSON in Chrome's trace-event format: a name,
a start time `ts` and a duration `dur` in microseconds for each call. We write it into a
temporary folder and read it back; the names and their counts are the ones from the tree above.
""",
        zh=r"""
## 导出追踪文件

`export_chrome_trace(path)` 把每个事件写成 Chrome 追踪事件格式（trace-event format）的 JSON：
每次调用都有名字、
开始时间 `ts` 和持续时间 `dur`（单位是微秒）。我们把它写进一个临时文件夹再读回来；
其中的名字和次数与上面那棵树一致。
""",
    ),
    Code("""
with tempfile.TemporaryDirectory() as folder:
    trace_path = os.path.join(folder, "trace.json")
    prof.export_chrome_trace(trace_path)
    with open(trace_path) as file:
        trace = json.load(file)

calls = [event for event in trace["traceEvents"] if event["ph"] == "X"]
print(sorted(calls[0]))
for name, count in Counter(event["name"] for event in calls).items():
    print(f"{count}  {name}")
"""),
    Markdown(
        en=r"""
### The picture: a timeline

This is roughly what a trace viewer draws: one bar per event, from `ts` to `ts + dur`, and
events nested inside others one row lower. The two labels sit on top; under `backward` you can
see the engine visit the nodes one after another. (Bar lengths are timings, so your picture
will differ in the details.)
""",
        zh=r"""
### 看图：时间线

追踪查看器画出来的大致就是这样：每个事件一根横条，从 `ts` 延伸到 `ts + dur`；
嵌套在其他事件里的事件画在下一行。
最上面是两个标签；在 `backward` 下面，可以看到引擎依次访问各个节点。（横条长度是计时结果，
细节会和你的图不同。）
""",
    ),
    Code("""
def nesting_depths(events):
    \"\"\"Each event's depth: how many events (sorted by start) are still open when it starts.\"\"\"
    open_until, depths = [], []
    for event in events:
        while open_until and open_until[-1] <= event["ts"]:
            open_until.pop()
        depths.append(len(open_until))
        open_until.append(event["ts"] + event["dur"])
    return depths

ordered = sorted(calls, key=lambda event: (event["ts"], -event["dur"]))
start = ordered[0]["ts"]
figure, axes = plt.subplots(figsize=(9, 3.2))
for event, depth in zip(ordered, nesting_depths(ordered)):
    color = "#2563eb" if depth == 0 else ("#7c3aed" if "Backward" in event["name"] else "#9ca3af")
    axes.barh(depth, event["dur"], left=event["ts"] - start, height=0.8, color=color)
    if depth == 0:
        axes.text(event["ts"] - start, depth, " " + event["name"], va="center", color="white")
axes.invert_yaxis()
axes.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in ("#7c3aed", "#9ca3af")],
            labels=["backward nodes (evaluate_function, ...Backward0)", "operations (aten::...)"],
            loc="lower left", fontsize=8)
axes.set_xlabel("microseconds since the start")
axes.set_ylabel("nesting depth")
plt.show()
"""),
    Markdown(
        en=r"""
To explore a trace yourself, write it somewhere you can find it, for example
`prof.export_chrome_trace("trace.json")` next to this notebook, then

- open **ui.perfetto.dev** in any browser and drag the file onto the page ("Open trace file"),
  or
- in Chrome or Chromium, go to **chrome://tracing** and click **Load**.

Zoom with the `W`/`S` keys, pan with `A`/`D`, and click a bar to see its name, duration and
arguments. Traces of real training runs hold thousands of events; the viewer is how you find
the slow one.
""",
        zh=r"""
想自己探索追踪文件，就把它写到你找得到的地方，例如在本 notebook 旁边执行
`prof.export_chrome_trace("trace.json")`，然后：

- 在任意浏览器中打开 **ui.perfetto.dev**，把文件拖到页面上（或点 "Open trace file"）；或者
- 在 Chrome / Chromium 中访问 **chrome://tracing**，点击 **Load**。

用 `W`/`S` 键缩放，`A`/`D` 键平移，点击一根横条可以看到它的名字、时长和参数。
真实训练的追踪文件有成千上万个事件，
查看器正是帮你找出最慢那一个的工具。
""",
    ),
    Markdown(
        en=r"""
## Exercises

Replace each `...` with your answer and run the cell, then run the check below it: it says
whether your answer is right and, if not, what looks wrong. A solution is folded under each
check: try first, then compare.

**Exercise 1 — predict the forward calls.** How many times does this loop call `aten::mul`?
Write `predicted_mul` before running; the check cell profiles the loop.

```python
c = a
for _ in range(10):
    c = c * b + a
total = c.sum()
```
""",
        zh=r"""
## 练习

把每个 `...` 换成你的答案并运行该单元格，再运行下面的检查单元格：它会告诉你答案对不对，
不对的话哪里看起来有问题。每个检查下面都折叠着一份参考答案：先自己做，再对照。

**练习 1：预测前向调用次数。** 下面这个循环调用了多少次 `aten::mul`？
请在运行之前写好 `predicted_mul`；检查单元格会对循环做性能分析。

```python
c = a
for _ in range(10):
    c = c * b + a
total = c.sum()
```
""",
    ),
    Exercise(
        grade_id="06_predict_forward_calls",
        code="""
a = torch.ones(3, requires_grad=True)
b = torch.full((3,), 0.5, requires_grad=True)
### BEGIN SOLUTION
predicted_mul = 10
### END SOLUTION
""",
        placeholder="predicted_mul = ...  # en: a number | zh: 一个数",
        check="""
with torch.autograd.profiler.profile() as loop_prof:
    c = a
    for _ in range(10):
        c = c * b + a
    total = c.sum()
counted = {event.key: event.count for event in loop_prof.key_averages()}
widgets.check.close(predicted_mul, counted["aten::mul"], name="predicted_mul")
""",
    ),
    Markdown(
        en=r"""
**Exercise 2 — predict the backward nodes.** Now the same loop's `total.backward()` runs under
the profiler. How many times does the engine run `AccumulateGrad` (named
`torch::autograd::AccumulateGrad` in the profile)? Write `predicted_accumulate` before running.
""",
        zh=r"""
**练习 2：预测反向节点。** 现在在分析器下对同一个循环运行 `total.backward()`。引擎会执行多少次 `AccumulateGrad`
（在分析结果中名为 `torch::autograd::AccumulateGrad`）？请在运行之前写好 `predicted_accumulate`。
""",
    ),
    Exercise(
        grade_id="06_predict_backward_nodes",
        code="""
### BEGIN SOLUTION
predicted_accumulate = 2
### END SOLUTION
""",
        placeholder="predicted_accumulate = ...  # en: a number | zh: 一个数",
        check="""
a = torch.ones(3, requires_grad=True)
b = torch.full((3,), 0.5, requires_grad=True)
c = a
for _ in range(10):
    c = c * b + a
total = c.sum()
with torch.autograd.profiler.profile() as backward_prof:
    total.backward()
counted = {event.key: event.count for event in backward_prof.key_averages()}
widgets.check.close(predicted_accumulate, counted["torch::autograd::AccumulateGrad"],
                    name="predicted_accumulate")
""",
    ),
    Markdown(
        en=r"""
**Exercise 3 — label a block.** Wrap the computation of `penalty` in a `record_function`
block named `"penalty"`, so that the profile shows it as one labelled event containing its
operations.
""",
        zh=r"""
**练习 3：给代码块加标签。** 把计算 `penalty` 的代码包进一个名为 `"penalty"` 的 `record_function`
块，
让分析结果中出现一个带标签的事件，里面包含它的各个运算。
""",
    ),
    Exercise(
        grade_id="06_label_a_block",
        code="""
with torch.autograd.profiler.profile() as label_prof:
    ### BEGIN SOLUTION
    with torch.autograd.profiler.record_function("penalty"):
        penalty = weights.pow(2).sum() * 0.01
    ### END SOLUTION
""",
        placeholder='penalty = weights.pow(2).sum() * 0.01  # en: label this line "penalty" | zh: 给这一行加上标签 "penalty"',
        check="""
labels = [event for event in label_prof.function_events if event.name == "penalty"]
inside = [child.name for event in labels for child in event.cpu_children]
print("operations inside the label:", inside)
widgets.check.close(len(labels), 1, name="the number of 'penalty' events")
""",
    ),
    Markdown(
        en=r"""
## What you have seen

- `with torch.autograd.profiler.profile() as prof:` records every operation and backward
  node; `prof.key_averages().table(sort_by=...)` summarises them.
- Names and call counts (`event.key`, `event.count`) are stable; times are not.
- `record_function("name")` adds your own labelled events; the backward pass appears as
  `evaluate_function` events, one per node of the graph.
- `prof.export_chrome_trace(path)` writes a trace for `ui.perfetto.dev` or `chrome://tracing`.

Next: the Jacobian behind `backward(v)`, and the functional API built on it.
""",
        zh=r"""
## 小结

- `with torch.autograd.profiler.profile() as prof:` 记录每个运算和每个反向节点；
  `prof.key_averages().table(sort_by=...)` 给出汇总表。
- 名字和调用次数（`event.key`、`event.count`）是稳定的，时间则不是。
- `record_function("name")` 添加你自己的带标签事件；反向传播以 `evaluate_function` 事件的形式出现，
计算图的每个节点一个。
- `prof.export_chrome_trace(path)` 写出可在 `ui.perfetto.dev` 或 `chrome://tracing`
中查看的追踪文件。

下一节：`backward(v)` 背后的雅可比矩阵，以及建立在它之上的函数式 API。
""",
    ),
]
