"""The autograd profiler: time every op and backward node, report as PyTorch's profiler does.

    with torch.autograd.profiler.profile() as prof:
        for _ in range(1000):
            z = (z / x) * y
    print(prof.key_averages().table(sort_by="self_cpu_time_total"))

While a `profile` is active, `Function.apply` times each op's forward as an
event named like PyTorch's (`aten::div`), and the backward engine times each
node it runs (`autograd::engine::evaluate_function: MulBackward0` around
`MulBackward0`). Events nest: an op called inside another op, a backward node
or a `record_function` block is its child, so self time (the event minus its
children) and total time come apart as in PyTorch. With no profile active the
only cost is one check of `Function`'s `_profiler` (the recorder now running, or None)
per op and per node.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from minigrad import cuda
from minigrad._tensor import Tensor
from minigrad.autograd import function as _function

if TYPE_CHECKING:
    from minigrad.autograd.function import BackwardFunction, Function
    from minigrad.autograd.graph import Node

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "profile", "record_function"]

F = TypeVar("F", bound=Callable[..., Any])

_EVALUATE_PREFIX = "autograd::engine::evaluate_function: "
_VALID_DEVICES = ("cuda", "xpu", "mtia", "hpu")


@functools.cache
def _profiler_name(op: type[Function]) -> str:
    """The event name of a `Function`: PyTorch's `aten::` name for a built-in op.

    A built-in op names itself (its class's `aten_name`); one that does not is
    named after its node (`MseLossBackward0` -> `aten::mse_loss`). A learner's
    own `Function` is named by its class, as PyTorch names a custom
    `autograd.Function` in its profiles.
    """
    if not op.__module__.startswith("minigrad."):
        return op.__name__
    if op.aten_name is not None:
        return op.aten_name
    stem = re.sub(r"Backwards?\d*$", "", op._backward_cls.__name__)
    return "aten::" + re.sub(r"(?<!^)(?=[A-Z])", "_", stem).lower()


def _shapes_of(values: Iterable[Any]) -> list[list[int]]:
    """Input shapes as PyTorch records them: a tensor's sizes, `[]` for anything else."""
    return [list(v._data.shape) if isinstance(v, Tensor) else [] for v in values]


class Interval:
    """When an event ran, in microseconds since its profile started."""

    __slots__ = ("end", "start")

    def __init__(self, start: float, end: float) -> None:
        self.start = start
        self.end = end

    def elapsed_us(self) -> float:
        """The length of the interval in microseconds."""
        return self.end - self.start


class FunctionEvent:
    """One timed call: an op, a backward node, or a `record_function` block."""

    count = 1
    # minigrad runs on the CPU: sorting by PyTorch's device (cuda) times finds zeros.
    self_device_time_total = 0.0
    device_time_total = 0.0
    device_time = 0.0

    def __init__(self, id: int, name: str, start_us: float, thread: int,
                 input_shapes: list[list[int]], category: str,
                 cpu_parent: FunctionEvent | None) -> None:
        self.id = id
        self.name = name
        self.time_range = Interval(start_us, start_us)
        self.thread = thread
        self.input_shapes = input_shapes
        self.category = category
        self.cpu_parent = cpu_parent
        self.cpu_children: list[FunctionEvent] = []

    @property
    def key(self) -> str:
        """The name events are grouped by in `key_averages`."""
        return self.name

    @property
    def cpu_time_total(self) -> float:
        """Microseconds from start to end, children included."""
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self) -> float:
        """Microseconds spent in this event itself, not in the events nested inside it."""
        return self.cpu_time_total - sum(child.cpu_time_total for child in self.cpu_children)

    @property
    def cpu_time(self) -> float:
        """The average time per call: for a single event, its total."""
        return self.cpu_time_total

    def __repr__(self) -> str:
        children = [child.id for child in self.cpu_children]
        return (f"<FunctionEvent id={self.id} name={self.name} "
                f"cpu_time={_format_time(self.cpu_time_total)} "
                f"start_us={self.time_range.start:.3f} end_us={self.time_range.end:.3f} "
                f"cpu_children={children} thread={self.thread} "
                f"input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """The events of one name (and input shapes, if grouped by them), added up."""

    self_device_time_total = 0.0
    device_time_total = 0.0
    device_time = 0.0

    def __init__(self) -> None:
        self.key: str | None = None
        self.count = 0
        self.self_cpu_time_total = 0.0
        self.cpu_time_total = 0.0
        self.input_shapes: list[list[int]] | str = ""
        self.cpu_parent: FunctionEvent | None = None

    def add(self, event: FunctionEvent) -> FunctionEventAvg:
        """Count one more event under this key."""
        if self.key is None:
            self.key = event.key
            self.input_shapes = event.input_shapes
            self.cpu_parent = event.cpu_parent
        self.count += event.count
        self.self_cpu_time_total += event.self_cpu_time_total
        self.cpu_time_total += event.cpu_time_total
        return self

    @property
    def cpu_time(self) -> float:
        """The average time per call, children included."""
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} "
                f"self_cpu_time={_format_time(self.self_cpu_time_total)} "
                f"cpu_time={_format_time(self.cpu_time_total)} count={self.count} "
                f"input_shapes={self.input_shapes}>")


def _format_time(time_us: float) -> str:
    """A duration as PyTorch prints it: `5.970s`, `9.034ms` or `409.000us`."""
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_in(time_us: float, unit: str | None) -> str:
    """A duration in a fixed unit ("s", "ms", "us"), or in the best one when `unit` is None."""
    if unit == "s":
        return f"{time_us / 1e6:.3f}s"
    if unit == "ms":
        return f"{time_us / 1e3:.3f}ms"
    if unit == "us":
        return f"{time_us:.3f}us"
    return _format_time(time_us)


def _format_share(time_us: float, total_us: float) -> str:
    """`time_us` as a percentage of `total_us`, `NaN` when nothing was timed at all."""
    if total_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_us:.2f}%"


class EventList(list):
    """A list of events (or of averaged events) that prints as PyTorch's profiler table."""

    @property
    def self_cpu_time_total(self) -> float:
        """The sum of the events' self times: the time the profile saw, counted once."""
        return sum(event.self_cpu_time_total for event in self)

    def __str__(self) -> str:
        return self.table()

    def key_averages(self, group_by_input_shape: bool = False) -> EventList:
        """One `FunctionEventAvg` per event name (and input shapes), in order of first call."""
        averages: dict[tuple[str, ...], FunctionEventAvg] = {}
        for event in self:
            key = (event.key, str(event.input_shapes)) if group_by_input_shape else (event.key,)
            averages.setdefault(key, FunctionEventAvg()).add(event)
        if not group_by_input_shape:
            for average in averages.values():
                average.input_shapes = ""
        return EventList(averages.values())

    def total_average(self) -> FunctionEventAvg:
        """All events added up under the key "Total"."""
        total = FunctionEventAvg()
        for event in self:
            total.add(event)
        total.key = "Total"
        return total

    def table(self, sort_by: str | None = None, row_limit: int = 100,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80,
              header: str | None = None, top_level_events_only: bool = False,
              time_unit: str | None = None) -> str:
        """The events as PyTorch's profiler table, sorted by an attribute (largest first)."""
        return _build_table(self, sort_by, row_limit, max_name_column_width,
                            max_shapes_column_width, header, top_level_events_only, time_unit)

    def export_chrome_trace(self, path: str | os.PathLike[str]) -> None:
        """Write the events as a Chrome trace (open it in Perfetto or chrome://tracing)."""
        _write_chrome_trace(self, path)


_COLUMN_WIDTH = 12
_COLUMN_GAP = "  "


def _build_table(events: EventList, sort_by: str | None, row_limit: int,
                 max_name_column_width: int, max_shapes_column_width: int,
                 header: str | None, top_level_events_only: bool,
                 time_unit: str | None) -> str:
    """PyTorch's profiler table: right-aligned columns two spaces apart, dashed rules."""
    if not events:
        return ""
    if sort_by is not None:
        # PyTorch's sort keys name "cuda" or "xpu" times; its events call them "device" times.
        attribute = re.sub("cuda|xpu|privateuse1", "device", sort_by)
        events = EventList(sorted(events, key=lambda e: getattr(e, attribute), reverse=True))

    name_width = min(max(len(e.key) for e in events) + 4, max_name_column_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
               "# of Calls"]
    widths = [name_width] + [_COLUMN_WIDTH] * (len(headers) - 1)
    show_shapes = any(e.input_shapes for e in events)
    if show_shapes:
        headers.append("Input Shapes")
        widths.append(min(max(len(str(e.input_shapes)) for e in events) + 4,
                          max_shapes_column_width))

    def row(values: list[Any]) -> str:
        return "".join(f"{value!s:>{width}}{_COLUMN_GAP}" for value, width in zip(values, widths))

    rule = "".join("-" * width + _COLUMN_GAP for width in widths)
    line_length = sum(width + len(_COLUMN_GAP) for width in widths) - len(_COLUMN_GAP)
    total_self_time = sum(e.self_cpu_time_total for e in events)

    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [rule, row(headers), rule]
    shown = 0
    for event in events:
        if shown == row_limit:
            break
        if top_level_events_only and event.cpu_parent is not None:
            continue
        shown += 1
        name = event.key
        if len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        values = [
            name,
            _format_share(event.self_cpu_time_total, total_self_time),
            _format_time_in(event.self_cpu_time_total, time_unit),
            _format_share(event.cpu_time_total, total_self_time),
            _format_time_in(event.cpu_time_total, time_unit),
            _format_time_in(event.cpu_time, time_unit),
            event.count,
        ]
        if show_shapes:
            values.append(str(event.input_shapes)[:widths[-1]])
        lines.append(row(values))
    lines += [rule, f"Self CPU time total: {_format_time_in(total_self_time, time_unit)}"]
    return "".join(line + "\n" for line in lines)


def _write_chrome_trace(events: EventList, path: str | os.PathLike[str]) -> None:
    """Chrome's trace-event JSON: one complete ("X") event per call, µs since the start."""
    import json  # here, not at the top: `import minigrad` stays fast

    pid = os.getpid()
    trace: list[dict[str, Any]] = [
        {"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": "python"}},
    ]
    threads = sorted({event.thread for event in events})
    trace += [{"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
               "args": {"name": f"thread {tid} (python)"}} for tid in threads]
    for event in events:
        entry: dict[str, Any] = {
            "ph": "X", "cat": event.category, "name": event.name, "pid": pid,
            "tid": event.thread, "ts": event.time_range.start,
            "dur": event.time_range.elapsed_us(), "args": {},
        }
        if event.input_shapes:
            entry["args"]["Input Dims"] = event.input_shapes
        trace.append(entry)
    document = {"schemaVersion": 1, "displayTimeUnit": "ms", "traceEvents": trace,
                "traceName": os.fspath(path)}
    with open(path, "w", encoding="utf-8") as file:
        json.dump(document, file)


class _Recorder:
    """The events of one running profile, and the open ones of each thread.

    With `synchronize` (the GPU's), every reading of the clock first waits for
    the work queued on the GPU, so an op's time is the time its work took.
    """

    def __init__(self, record_shapes: bool, synchronize: Callable[[], None] | None = None
                 ) -> None:
        self.record_shapes = record_shapes
        self.events: list[FunctionEvent] = []
        self._open = threading.local()
        self._synchronize = synchronize
        if synchronize is not None:
            synchronize()
        self._start_ns = time.perf_counter_ns()

    def _stack(self) -> list[FunctionEvent]:
        stack = getattr(self._open, "stack", None)
        if stack is None:
            stack = self._open.stack = []
        return stack

    def _now_us(self) -> float:
        if self._synchronize is not None:
            self._synchronize()
        return (time.perf_counter_ns() - self._start_ns) / 1000

    def open(self, name: str, category: str, inputs: Iterable[Any] = ()) -> FunctionEvent:
        """Start an event, nested in the innermost open event of this thread."""
        stack = self._stack()
        parent = stack[-1] if stack else None
        shapes = _shapes_of(inputs) if self.record_shapes else []
        event = FunctionEvent(len(self.events), name, self._now_us(),
                              threading.get_native_id(), shapes, category, parent)
        if parent is not None:
            parent.cpu_children.append(event)
        self.events.append(event)
        stack.append(event)
        return event

    def close(self, event: FunctionEvent) -> None:
        """End `event` (and any event left open inside it)."""
        stack = self._stack()
        now = self._now_us()
        while event in stack:
            stack.pop().time_range.end = now

    def close_all(self) -> None:
        """End whatever is still open in this thread, as the profile stops."""
        stack = self._stack()
        if stack:
            self.close(stack[0])

    def run_forward(self, op: type[Function], ctx: BackwardFunction, args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> Any:
        """`op.forward(ctx, *args, **kwargs)`, timed as one op event."""
        event = self.open(_profiler_name(op), "cpu_op", (*args, *kwargs.values()))
        try:
            return op.forward(ctx, *args, **kwargs)
        finally:
            self.close(event)

    def run_node(self, node: Node, grads: list[Tensor | None]) -> tuple[Tensor | None, ...]:
        """`node.apply(grads)`, timed as PyTorch times a node in its backward engine."""
        name = node.name()  # as PyTorch names it: `MulBackward0`, `torch::autograd::AccumulateGrad`
        evaluation = self.open(_EVALUATE_PREFIX + name, "cpu_op")
        try:
            self.open(name, "cpu_op", grads)
            return node.apply(grads)
        finally:
            self.close(evaluation)


class profile:
    """Record the time of every op and backward node run inside a `with` block.

    `use_device="cuda"` (or the deprecated `use_cuda=True`) times work on the GPU:
    the profiler waits for the GPU before each reading of the clock, so an op's
    time includes its GPU work. Without CuPy and a GPU it warns, as PyTorch does,
    and profiles the CPU. With `record_shapes=True` each event keeps its inputs'
    shapes, for `key_averages(group_by_input_shape=True)`.
    """

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False,
                 use_device: str | None = None, record_shapes: bool = False) -> None:
        self.enabled = enabled
        if not enabled:
            return
        if use_cuda:
            warnings.warn("The attribute `use_cuda` will be deprecated soon, please use "
                          "``use_device = 'cuda'`` instead.", FutureWarning, stacklevel=2)
            use_device = "cuda"
        if use_device is not None and use_device not in _VALID_DEVICES:
            warnings.warn(f"The {use_device} is not a valid device option.", stacklevel=2)
            use_device = None
        if use_device is not None and not (use_device == "cuda" and cuda.is_available()):
            device = use_device.upper()
            warnings.warn(f"{device} is not available, disabling {device} profiling",
                          stacklevel=2)
            use_device = None
        self.use_device: str | None = use_device
        self.record_shapes = record_shapes
        self.entered = False
        self._recorder: _Recorder | None = None
        self._function_events: EventList | None = None

    def __enter__(self) -> profile | None:
        if not self.enabled:
            return None
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        if _function._profiler is not None:
            raise RuntimeError("Another profile is already running: minigrad's profiles "
                               "do not nest. Use record_function to label parts of one.")
        self.entered = True
        synchronize = cuda.synchronize if self.use_device == "cuda" else None
        self._recorder = _function._profiler = _Recorder(self.record_shapes, synchronize)
        return self

    def __exit__(self, *exc_info: object) -> bool:
        if not self.enabled:
            return False
        if self._recorder is not None:
            self._recorder.close_all()
            self._function_events = EventList(self._recorder.events)
            _function._profiler = None
        return False

    @property
    def function_events(self) -> EventList:
        """Every recorded event, in the order they started."""
        if self._recorder is not None and self._function_events is None:
            raise RuntimeError("The profile is still running: read its results after the "
                               "`with` block ends.")
        return self._function_events if self._function_events is not None else EventList()

    @property
    def self_cpu_time_total(self) -> float:
        """Microseconds spent in all events, each counted once (their self times)."""
        return self.function_events.self_cpu_time_total

    def key_averages(self, group_by_input_shape: bool = False) -> EventList:
        """The events grouped by name (and input shapes), as the table shows them."""
        return self.function_events.key_averages(group_by_input_shape)

    def total_average(self) -> FunctionEventAvg:
        """All events added up under the key "Total"."""
        return self.function_events.total_average()

    def table(self, sort_by: str | None = None, row_limit: int = 100,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80,
              header: str | None = None, top_level_events_only: bool = False) -> str:
        """Every event (not grouped) as PyTorch's profiler table."""
        return self.function_events.table(sort_by, row_limit, max_name_column_width,
                                          max_shapes_column_width, header,
                                          top_level_events_only)

    def export_chrome_trace(self, path: str | os.PathLike[str]) -> None:
        """Write the events as a Chrome trace (open it in Perfetto or chrome://tracing)."""
        self.function_events.export_chrome_trace(path)

    def __str__(self) -> str:
        if self._function_events is None:
            return "<unfinished torch.autograd.profile>"
        return str(self._function_events)

    def __repr__(self) -> str:
        if self._function_events is None:
            return "<unfinished torch.autograd.profile>"
        return repr(self._function_events)


class record_function:
    """Label a block of code in the profile: a `with` block, or a decorator for a function.

    The label becomes an event that the ops run inside it nest in. With no
    profile running it records nothing.
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.args = args
        self._event: FunctionEvent | None = None
        self._recorder: _Recorder | None = None

    def __enter__(self) -> record_function:
        if _function._profiler is not None:
            self._recorder = _function._profiler
            self._event = self._recorder.open(self.name, "user_annotation")
        return self

    def __exit__(self, *exc_info: object) -> bool:
        if self._recorder is not None and self._event is not None:
            self._recorder.close(self._event)
        self._recorder = self._event = None
        return False

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def labelled(*args: Any, **kwargs: Any) -> Any:
            # A fresh label per call, so recursive and concurrent calls each get their own.
            with record_function(self.name, self.args):
                return function(*args, **kwargs)

        return labelled  # type: ignore[return-value]
