"""The kit's colours and CSS in one place, so graphs, stepper, view and legends agree.

Box colours follow torchviz's habit (leaves blue, ops grey) and add the stepper's states:
the node running now is yellow with a red border, finished nodes are green, gradients red.
"""

from __future__ import annotations

__all__ = ["CURRENT_STYLE", "DONE_STYLE", "FORWARD_EDGE_COLOR", "KIND_STYLES",
           "NEW_GRADIENT_COLOR", "OLD_GRADIENT_COLOR", "OLD_GRADIENT_TEXT_COLOR", "PANEL_CSS"]

# Graphviz attributes per kind of box (see widgets.graph for the kinds).
KIND_STYLES: dict[str, dict[str, str]] = {
    "leaf": {"shape": "record", "fillcolor": "#dbeafe", "color": "#2563eb"},
    "output": {"shape": "record", "fillcolor": "#ede9fe", "color": "#7c3aed"},
    "op": {"shape": "Mrecord", "fillcolor": "#f3f4f6", "color": "#4b5563"},
    "chain": {"shape": "Mrecord", "fillcolor": "#ccfbf1", "color": "#0f766e",
              "style": "filled,dashed"},
    "more": {"shape": "note", "fillcolor": "#ffffff", "color": "#6b7280",
             "style": "filled,dashed"},
}
CURRENT_STYLE = {"fillcolor": "#fde047", "color": "#dc2626", "penwidth": "3"}
DONE_STYLE = {"fillcolor": "#dcfce7", "color": "#16a34a", "penwidth": "1.5"}
FORWARD_EDGE_COLOR = "#9ca3af"
NEW_GRADIENT_COLOR = "#dc2626"
OLD_GRADIENT_COLOR = "#f59e9e"
OLD_GRADIENT_TEXT_COLOR = "#b45454"

PANEL_CSS = """<style>
.mg-panel {font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; line-height: 1.4;
  color: #1f2937; background: #fafafa; border: 1px solid #e5e7eb; border-radius: 8px;
  padding: 10px 14px;}
.mg-panel h3 {margin: 0 0 4px 0; font-size: 15px;}
.mg-panel h4 {margin: 10px 0 3px 0; font-size: 12px; font-weight: 600; color: #6b7280;}
.mg-panel code, .mg-panel pre {font-family: var(--jp-code-font-family, monospace); font-size: 12px;}
.mg-panel pre {margin: 2px 0; white-space: pre; overflow-x: auto; background: #fff;
  border-radius: 4px; padding: 3px 6px; border: 1px solid #eee;}
.mg-panel pre.mg-wrap {white-space: pre-wrap; overflow-wrap: anywhere;}
.mg-panel summary {cursor: pointer; color: #6b7280; font-size: 11px;}
.mg-panel table {border-collapse: collapse; width: 100%;}
.mg-panel td {padding: 2px 6px 2px 0; vertical-align: top; border-bottom: 1px solid #f0f0f0;}
.mg-panel .mg-rule {color: #b45309;}
.mg-panel .mg-grad {color: #dc2626;}
.mg-panel tr.mg-changed td {background: #fef9c3;}
.mg-panel .mg-stats {color: #6b7280; font-size: 11px;}
.mg-legend span {display: inline-block; margin: 0 14px 0 0; font-size: 12px; color: #374151;}
.mg-legend i {display: inline-block; width: 14px; height: 11px; margin-right: 5px;
  vertical-align: -1px; border: 2px solid; border-radius: 3px;}
</style>"""
