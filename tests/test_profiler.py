"""The autograd profiler: the tutorial's table, nesting, backward events and the Chrome trace.

Timings differ from run to run, so no test looks at how long anything took:
they check names, counts, nesting and the layout of what is printed.
"""

from __future__ import annotations

import json
import re
import warnings
from types import ModuleType

import pytest
import torch

import minigrad
from minigrad.autograd import Function
from minigrad.autograd.profiler import _format_time, profile, record_function

TUTORIAL_CELL = """
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

table = prf.key_averages().table(sort_by='self_cpu_time_total')
"""

TIME = re.compile(r"\d+\.\d{3}(?:s|ms|us)")
PERCENT = re.compile(r"\d+\.\d{2}%")


def run_tutorial_cell(module: object) -> str:
    namespace = {"torch": module}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (z / x) * y overflows after a few hundred rounds
        exec(TUTORIAL_CELL, namespace)
    return namespace["table"]


def table_rows(table: str) -> dict[str, list[str]]:
    """The rows of a profiler table, by name: the other columns as text."""
    lines = table.splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("---")]
    columns = [match.span() for match in re.finditer("-+", lines[rules[0]])]
    rows = {}
    for line in lines[rules[1] + 1:rules[2]]:
        cells = [line[start:end].strip() for start, end in columns]
        rows[cells[0]] = cells[1:]
    return rows


def masked(table: str) -> list[str]:
    """The table's lines with times and percentages blanked, sorted (row order follows times).

    A blank takes the spaces before it too: a column's numbers are right-aligned, so a longer
    time (10.1ms against 9.9ms) only moves the spaces. The rules and the header keep the
    widths."""
    return sorted(re.sub(" *" + PERCENT.pattern, " P%", re.sub(" *" + TIME.pattern, " T", line))
                  for line in table.splitlines())


def test_tutorial_cell_counts_1000_divisions_and_1000_multiplications() -> None:
    table = run_tutorial_cell(minigrad)
    rows = table_rows(table)
    assert set(rows) == {"aten::div", "aten::mul"}
    assert rows["aten::div"][-1] == rows["aten::mul"][-1] == "1000"
    assert table.splitlines()[-1].startswith("Self CPU time total: ")
    assert TIME.fullmatch(table.splitlines()[-1].removeprefix("Self CPU time total: "))


def test_tutorial_table_is_laid_out_like_pytorchs() -> None:
    """Same columns, widths, rules and trailing spaces; only the numbers differ."""
    ours = run_tutorial_cell(minigrad)
    assert masked(ours) == masked(run_tutorial_cell(torch))
    assert ours.endswith("\n")
    header = ours.splitlines()[1]
    assert header == ("         Name    Self CPU %      Self CPU   CPU total %     CPU total  "
                      "CPU time avg    # of Calls  ")


@pytest.mark.parametrize(("microseconds", "text"), [
    (9034.2, "9.034ms"), (409.0, "409.000us"), (5_970_123.0, "5.970s"), (0.0, "0.000us"),
    (999.9996, "1000.000us"), (1000.0, "1.000ms"),
])
def test_times_are_formatted_like_pytorchs(microseconds: float, text: str) -> None:
    assert _format_time(microseconds) == text


def test_record_function_blocks_nest_and_split_self_from_total_time() -> None:
    x = minigrad.ones(2, 3, requires_grad=True)
    with profile() as prof:
        with record_function("outer"):
            y = x * 2
            with record_function("inner"):
                z = y.sin().sum()
    events = {event.name: event for event in prof.function_events}
    assert [e.name for e in prof.function_events] == ["outer", "aten::mul", "inner", "aten::sin",
                                                      "aten::sum"]
    outer, inner = events["outer"], events["inner"]
    assert outer.cpu_parent is None and inner.cpu_parent is outer
    assert [child.name for child in outer.cpu_children] == ["aten::mul", "inner"]
    assert [child.name for child in inner.cpu_children] == ["aten::sin", "aten::sum"]
    for event in prof.function_events:
        children_total = sum(child.cpu_time_total for child in event.cpu_children)
        assert event.self_cpu_time_total == pytest.approx(event.cpu_time_total - children_total)
        assert event.time_range.start <= event.time_range.end
    children_total = inner.cpu_time_total + events["aten::mul"].cpu_time_total
    assert outer.cpu_time_total >= children_total - 1e-6
    total = prof.function_events.self_cpu_time_total
    assert total == pytest.approx(outer.cpu_time_total)
    assert z.grad_fn.name() == "SumBackward0"


def test_an_op_called_inside_another_ops_forward_is_its_child() -> None:
    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    with profile() as prof:
        Twice.apply(minigrad.ones(3, requires_grad=True))
    outer, inner = prof.function_events
    assert (outer.name, inner.name) == ("Twice", "aten::mul")
    assert inner.cpu_parent is outer
    assert outer.self_cpu_time_total == pytest.approx(
        outer.cpu_time_total - inner.cpu_time_total)


def test_backward_nodes_are_timed_as_pytorch_names_them() -> None:
    x = minigrad.randn(2, 3, requires_grad=True)
    y = minigrad.randn(2, 3, requires_grad=True)
    with profile() as prof:
        (x * y).sum().backward()
    counts = {event.key: event.count for event in prof.key_averages()}
    assert counts == {
        "aten::mul": 3,  # one forward, two in MulBackward0
        "aten::sum": 1,
        "autograd::engine::evaluate_function: SumBackward0": 1,
        "SumBackward0": 1,
        "aten::expand": 1,
        "autograd::engine::evaluate_function: MulBackward0": 1,
        "MulBackward0": 1,
        "autograd::engine::evaluate_function: torch::autograd::AccumulateGrad": 2,
        "torch::autograd::AccumulateGrad": 2,
    }
    evaluation = next(e for e in prof.function_events if e.name.endswith(": MulBackward0"))
    (node,) = evaluation.cpu_children
    assert node.name == "MulBackward0"
    assert [child.name for child in node.cpu_children] == ["aten::mul", "aten::mul"]
    table = prof.key_averages().table()
    assert "autograd::engine::evaluate_function: torch::autograd..." in table


def test_a_namespaced_node_is_timed_under_its_full_name() -> None:
    """copy_'s node is timed as PyTorch's `torch::autograd::CopyBackwards`, as its name()."""
    def events(lib: ModuleType) -> list[str]:
        a = lib.ones(3, requires_grad=True)
        b = a.clone()
        b.copy_(a * 2)
        with lib.autograd.profiler.profile() as prof:
            b.sum().backward()
        return [e.name for e in prof.function_events if "CopyBackwards" in e.name]

    assert events(minigrad) == events(torch) == [
        "autograd::engine::evaluate_function: torch::autograd::CopyBackwards",
        "torch::autograd::CopyBackwards"]


def test_sort_by_and_row_limit() -> None:
    x = minigrad.ones(3, requires_grad=True)
    with profile() as prof:
        for _ in range(3):
            x = x * 1.5
        x = x.exp()
        x.sum()
    averages = prof.key_averages()
    assert [e.key for e in averages] == ["aten::mul", "aten::exp", "aten::sum"]
    by_count = table_rows(averages.table(sort_by="count"))
    assert list(by_count) == ["aten::mul", "aten::exp", "aten::sum"]
    assert [row[-1] for row in by_count.values()] == ["3", "1", "1"]
    assert len(table_rows(averages.table(sort_by="cpu_time_total", row_limit=2))) == 2
    assert len(table_rows(averages.table(row_limit=0))) == 0
    totals = [float(e.cpu_time_total) for e in averages]
    assert list(table_rows(averages.table(sort_by="cpu_time_total"))) == [
        e.key for _, e in sorted(zip(totals, averages), key=lambda pair: -pair[0])]
    assert averages.table(sort_by="cuda_time_total")  # device times are zero, not an error


def test_group_by_input_shape_adds_a_shapes_column() -> None:
    with profile(record_shapes=True) as prof:
        minigrad.ones(2, 3) * minigrad.ones(2, 3)
        minigrad.ones(4) * 2.0
        minigrad.ones(4) * 3.0
    grouped = prof.key_averages(group_by_input_shape=True)
    assert [(e.key, e.input_shapes, e.count) for e in grouped] == [
        ("aten::mul", [[2, 3], [2, 3]], 1), ("aten::mul", [[4], []], 2)]
    lines = grouped.table().splitlines()
    assert lines[1].endswith("# of Calls          Input Shapes  ")
    assert lines[3].endswith("1      [[2, 3], [2, 3]]  ")
    assert lines[4].endswith("2             [[4], []]  ")
    assert "Input Shapes" not in prof.key_averages().table()


def test_chrome_trace_is_valid_trace_event_json(tmp_path) -> None:
    x = minigrad.ones(2, requires_grad=True)
    with profile(record_shapes=True) as prof:
        with record_function("step"):
            (x * x).sum().backward()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    complete = [event for event in trace["traceEvents"] if event["ph"] == "X"]
    assert len(complete) == len(prof.function_events)
    for event in complete:
        assert {"name", "cat", "ph", "ts", "dur", "pid", "tid", "args"} <= set(event)
        assert event["dur"] >= 0 and isinstance(event["ts"], float)
        assert event["cat"] in ("cpu_op", "user_annotation")
    step = next(event for event in complete if event["name"] == "step")
    assert step["cat"] == "user_annotation"
    for event in complete:  # everything happened inside the labelled block
        assert step["ts"] <= event["ts"] and event["ts"] + event["dur"] <= step["ts"] + step[
            "dur"] + 1e-3
    mul = next(event for event in complete if event["name"] == "aten::mul")
    assert mul["args"]["Input Dims"] == [[2], [2]]
    metadata = [event for event in trace["traceEvents"] if event["ph"] == "M"]
    assert {event["name"] for event in metadata} == {"process_name", "thread_name"}


def test_use_cuda_gives_pytorchs_warnings() -> None:
    def messages(module):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module.autograd.profiler.profile(use_cuda=True)
        return [(w.category, str(w.message)) for w in caught]

    ours = messages(minigrad)
    assert ours == messages(torch)
    assert ours[0] == (FutureWarning, "The attribute `use_cuda` will be deprecated soon, please "
                                      "use ``use_device = 'cuda'`` instead.")


def test_profiling_switches_on_and_off_cleanly() -> None:
    with profile(enabled=False) as disabled:
        minigrad.ones(2) * 2
    assert disabled is None
    with pytest.raises(ValueError), profile() as prof:
        minigrad.ones(2) * 2
        raise ValueError
    minigrad.ones(2) / 2  # after the profile ended: recorded nowhere
    with profile() as after:  # the one that ended by an exception let go: this one may start
        minigrad.ones(2) - 1
    assert [event.name for event in prof.function_events] == ["aten::mul"]
    assert [event.name for event in after.function_events] == ["aten::sub"]
    with profile() as outer, pytest.raises(RuntimeError, match="do not nest"):
        with profile():
            pass
    assert outer.function_events == []
    with pytest.raises(RuntimeError, match="not reentrant"), outer:
        pass
    with record_function("no profile running"):
        minigrad.ones(2) * 2  # records nothing, raises nothing


def test_record_function_decorates_functions_and_labels_optimizer_steps() -> None:
    @record_function("train_step")
    def train_step(parameter, optimizer):
        optimizer.zero_grad()
        (parameter * parameter).sum().backward()
        optimizer.step()

    parameter = minigrad.nn.Parameter(minigrad.ones(3))
    optimizer = minigrad.optim.SGD([parameter], lr=0.1)
    with profile() as prof:
        train_step(parameter, optimizer)
        train_step(parameter, optimizer)
    top_level = [e.name for e in prof.function_events if e.cpu_parent is None]
    assert top_level == ["train_step", "train_step"]
    names = {e.key: e.count for e in prof.key_averages()}
    assert names["Optimizer.step#SGD.step"] == names["Optimizer.zero_grad#SGD.zero_grad"] == 2
    assert train_step.__name__ == "train_step"


def test_built_in_ops_carry_pytorchs_operator_names() -> None:
    x = minigrad.ones(2, 2, requires_grad=True)
    with profile() as prof:
        x.t()
        x[0]
        x.relu()
        x @ x
        x.reshape(4)
        x.log_softmax(1)
        minigrad.nn.functional.mse_loss(x, x.detach())
    assert [e.name for e in prof.function_events] == [
        "aten::t", "aten::select", "aten::relu", "aten::mm", "aten::view", "aten::log_softmax",
        "aten::mse_loss"]
