"""Drive the dashboard in a real browser: Debian's chromium through the playwright package.

Used by the browser tests and by ``make screenshots``. The browser is the system's chromium
(``/usr/bin/chromium``, installed by ``make test`` when missing); playwright's own browser download is
never used.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("WHOOSH_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent

# the ECharts instance of a plot: Solara's ECharts widget (a Vue 2 component) keeps it as ``chart``
ECHARTS_CHART_JS = "((node) => node && node.__vue__ && node.__vue__.chart)"

# reads the option of the ECharts plot inside ``element``
ECHARTS_OPTION_JS = """
(element) => {
  const chart = CHART(element.querySelector('[_echarts_instance_]'));
  const option = chart ? chart.getOption() : null;
  if (!option) return null;
  return {
    title: (option.title && option.title[0]) ? option.title[0].text : '',
    xName: (option.xAxis && option.xAxis[0]) ? option.xAxis[0].name : '',
    yName: (option.yAxis && option.yAxis[0]) ? option.yAxis[0].name : '',
    series: option.series.map((s) => ({name: s.name || '', type: s.type,
                                       points: Array.isArray(s.data) ? s.data.length : 0,
                                       links: Array.isArray(s.links) ? s.links.length : 0,
                                       stack: s.stack || '', area: !!s.areaStyle,
                                       values: s.type === 'line' ? s.data : []})),
  };
}
""".replace("CHART", ECHARTS_CHART_JS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard_server(scale: float | None = None, port: int | None = None, timeout: float = 90.0) -> Iterator[str]:
    """Start ``whoosh dashboard`` on a free local port; yield its URL; stop it (and its children) after."""
    port = port or free_port()
    command = [sys.executable, "-c", "from experiments.cli import app; app()", "dashboard", "--port", str(port)]
    if scale is not None:
        command += ["--scale", str(scale)]
    log = open(os.devnull, "w")
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"the dashboard exited with status {process.returncode} before answering")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not answer at {url} within {timeout:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@contextmanager
def chromium() -> Iterator:
    """A headless chromium browser (playwright's ``Browser``)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing; `make test` installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def open_dashboard(browser, url: str, width: int = 1600, height: int = 1000):
    """A new page (its own model) with the dashboard loaded; ``page.console_errors`` collects console errors."""
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    page.console_errors = []
    page.external_requests = []     # anything not served by the dashboard itself
    page.on("request", lambda request: page.external_requests.append(request.url)
            if not request.url.startswith((url.rstrip("/"), "data:", "blob:")) else None)
    page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("text=step 0", timeout=90_000)
    return page


def step_counter(page) -> int:
    text = page.locator(".whoosh-step").inner_text()
    return int(text.rsplit("step", 1)[1])


def press_step(page) -> None:
    """Press Step and wait until the counter shows the next month."""
    before = step_counter(page)
    page.click(".whoosh-step-button")
    page.wait_for_selector(f".whoosh-step:has-text('step {before + 1}')", timeout=30_000)


def plot_option(page, name: str) -> dict | None:
    """The option (title, axis names, series) of the plot ``whoosh-plot-<name>``."""
    return page.locator(f".whoosh-plot-{name}").first.evaluate(ECHARTS_OPTION_JS)


def wait_for_months(page, months: int, timeout: float = 30_000) -> None:
    """Wait until every line plot on screen shows ``months`` months."""
    page.wait_for_function("""(months) => {
      const nodes = [...document.querySelectorAll('.whoosh-plot [_echarts_instance_]')];
      return nodes.length > 0 && nodes.every((node) => {
        const chart = CHART(node);
        const option = chart && chart.getOption();
        return option && (!option.xAxis || option.xAxis[0].data.length === months);
      });
    }""".replace("CHART", ECHARTS_CHART_JS), arg=months, timeout=timeout)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select labelled ``label``."""
    page.locator(".v-select", has=page.locator(f"label:text-is('{label}')")).first.click()
    page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()


def fill(page, label: str, value: str) -> None:
    """Type ``value`` into the field labelled ``label`` and confirm it."""
    field = page.get_by_label(label)
    field.fill(value)
    field.press("Enter")


def open_tab(page, title: str) -> None:
    page.get_by_role("tab", name=title).click()
