#!/usr/bin/env python3
"""Time to first byte and full render of dashboard pages in headless Chromium, through the DevTools protocol.

Install (not part of the build): python3 -m venv .venv && .venv/bin/pip install websocket-client
Run:     .venv/bin/python Benchmarks/dashboard_render.py --ready augur URL [URL ...] [--runs 5]

Each URL is loaded `--runs` times in one Chromium (Debian's `chromium`, headless, cache disabled so every load is a
first visit). Per load it reads the Navigation Timing entry (time to first byte: `responseStart`; DOM ready:
`domContentLoadedEventEnd`) and the moment the page was fully drawn:
- `--ready augur`: Augur's dashboard sets the performance mark `augur-rendered` after its first full render (every
  chart drawn from the API replies), and `data-points` on each chart's canvas;
- `--ready optuna`: optuna-dashboard draws with Plotly; the page counts as drawn when a Plotly plot holds the study's
  data (a trace with points), and the moment is taken when the poll (every 10 ms) first sees that.
Prints one line per URL, in milliseconds since navigation start: the median time to first byte and DOM ready, the
first load's full-render time (the server's caches cold when nothing read the study before) and the median and slowest
of the later loads.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

READY = {
    "augur": """(() => {
        const mark = performance.getEntriesByName("augur-rendered")[0];
        if (!mark) return null;
        const points = {};
        document.querySelectorAll("canvas[data-points]").forEach(c => points[c.id] = Number(c.dataset.points));
        return {rendered: mark.startTime, points};
    })()""",
    "optuna": """(() => {
        const plots = [...document.querySelectorAll(".js-plotly-plot")].filter(p => p._fullLayout && p.data);
        const points = plots.map(p => p.data.reduce((n, trace) => n + ((trace.x || trace.y || []).length || 0), 0));
        if (!points.some(n => n > 0)) return null;
        return {rendered: performance.now(), points: {plots: plots.length, "points in the plots": points.join("+")}};
    })()""",
}

NAVIGATION = """(() => {
    const n = performance.getEntriesByType("navigation")[0];
    return {ttfb: n.responseStart, dom: n.domContentLoadedEventEnd};
})()"""


class Browser:
    def __init__(self, executable, timeout=120):
        self.profile = tempfile.mkdtemp(prefix="augur-render-")
        self.process = subprocess.Popen(
            [executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "--window-size=1400,2400", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if time.time() > deadline or self.process.poll() is not None:
                raise SystemExit("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=timeout)
        self.next_id = 0
        self.call("Page.enable")
        self.call("Network.enable")
        self.call("Network.setCacheDisabled", cacheDisabled=True)

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def load(self, url, ready, timeout=60):
        self.call("Page.navigate", url="about:blank")
        self.call("Page.navigate", url=url)
        deadline = time.time() + timeout
        while time.time() < deadline:
            drawn = self.evaluate(READY[ready])
            if drawn:
                navigation = self.evaluate(NAVIGATION)
                return {**navigation, **drawn}
            time.sleep(0.01)
        raise RuntimeError(f"{url} was not drawn within {timeout} s")

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--ready", choices=sorted(READY), default="augur")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120, help="seconds a load may take before the run fails")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    options = parser.parse_args()
    browser = Browser(options.chromium, options.timeout)
    try:
        print("| Page | Loads | First byte, median (ms) | DOM ready, median (ms) | Fully drawn, first load (ms) | Fully drawn, later loads: median (ms) | slowest (ms) | Drawn |")
        print("|---|---|---|---|---|---|---|---|")
        for url in options.urls:
            loads = [browser.load(url, options.ready, options.timeout) for _ in range(options.runs)]
            ttfb = statistics.median(l["ttfb"] for l in loads)
            dom = statistics.median(l["dom"] for l in loads)
            rendered = [l["rendered"] for l in loads]
            later = rendered[1:] or rendered
            drawn = ", ".join(f"{k} {v}" for k, v in sorted(loads[-1]["points"].items()))
            print(f"| {url} | {len(loads)} | {ttfb:.1f} | {dom:.1f} | {rendered[0]:.1f} | {statistics.median(later):.1f} | {max(later):.1f} | {drawn} |")
            sys.stdout.flush()
    finally:
        browser.close()


if __name__ == "__main__":
    main()
