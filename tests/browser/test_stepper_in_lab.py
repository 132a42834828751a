"""End to end: `widgets.BackwardStepper` in JupyterLab, in Debian's headless Chromium.

Starts JupyterLab on 127.0.0.1 (fixed token, no port hopping, isolated HOME, settings
overrides), runs `stepper_demo.ipynb`, clicks Step through the tutorial's sin example and
checks, in the page, that the highlighted node moves and `a.grad` appears; Back must undo
it, and Play must replay the pass. Screenshots go to `test-artifacts/`.

Without chromium the test skips, unless the CI variable is set: then it fails.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from labtools import ARTIFACTS, CHROMIUM_FLAGS, menu, open_notebook, start_lab

NOTEBOOK = Path(__file__).with_name("stepper_demo.ipynb")


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A JupyterLab server serving a copy of the demo notebook; yields its base URL."""
    root = tmp_path_factory.mktemp("lab")
    (root / "notebooks").mkdir()
    shutil.copy(NOTEBOOK, root / "notebooks" / NOTEBOOK.name)
    with start_lab(root / "notebooks", root) as base:
        yield base


def test_stepper_steps_through_the_sin_example(chromium: str, lab_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    page_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            open_notebook(page, lab_url, NOTEBOOK.name)
            menu(page, "Run", "Run All Cells")

            stepper = page.locator(".mg-stepper")
            step = stepper.locator("button.jupyter-button", has_text=re.compile(r"^Step"))
            back = stepper.locator("button.jupyter-button", has_text=re.compile(r"Back$"))
            step.wait_for(state="visible", timeout=60_000)
            current = stepper.locator("svg g.node.mg-current > title")
            leaf = stepper.locator("svg g.node.mg-leaf")
            panel = stepper.locator(".mg-panel")

            # Before any step the output is highlighted and a has no gradient.
            expect(current).to_have_text("n0")
            expect(leaf).to_contain_text("grad = None")
            expect(panel).to_contain_text("Ready")
            # Sum, Add, Mul, Sin, then a's AccumulateGrad: the highlight walks down the graph.
            for number, (key, node) in enumerate([("n1", "SumBackward0"), ("n2", "AddBackward0"),
                                                  ("n3", "MulBackward0"), ("n4", "SinBackward0"),
                                                  ("n5", "AccumulateGrad")], start=1):
                step.click()
                expect(current).to_have_text(key, timeout=10_000)
                expect(panel).to_contain_text(f"Step {number} of 5")
                expect(panel).to_contain_text(node)
                if key != "n5":
                    expect(leaf).to_contain_text("grad = None")
                if key == "n3":
                    stepper.screenshot(path=str(ARTIFACTS / "stepper-mid-pass.png"))
            # 2 * cos(a), as the tutorial finds: its norm in a's box, its values in the panel.
            expect(leaf).to_contain_text("‖grad‖ = 7.211")
            expect(panel).to_contain_text("[2, 1.932, 1.732, …, 2]")
            expect(step).to_be_disabled()
            stepper.screenshot(path=str(ARTIFACTS / "stepper-in-jupyterlab.png"))
            page.screenshot(path=str(ARTIFACTS / "stepper-in-jupyterlab-page.png"))

            back.click()
            expect(current).to_have_text("n4", timeout=10_000)
            expect(leaf).to_contain_text("grad = None")

            # Play, driven by the browser's timer, replays the pass to the end.
            stepper.locator("button.jupyter-button", has_text=re.compile(r"Reset$")).click()
            expect(current).to_have_text("n0", timeout=10_000)
            stepper.locator(".widget-dropdown select").select_option(label="fast")
            stepper.locator(".widget-play button").first.click()
            expect(current).to_have_text("n5", timeout=15_000)
            expect(leaf).to_contain_text("‖grad‖ = 7.211")
        finally:
            browser.close()
    assert not page_errors, page_errors
