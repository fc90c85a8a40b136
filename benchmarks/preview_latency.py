"""Save-to-update latency of `composer preview`, measured in headless Chromium.

Starts the preview on a copy of the longest example, opens the page, and 20
times saves a new headline and waits for it to appear in the email frame (no
reload by the script: the page updates itself). Reports the median and the
slowest save, next to the median rebuild time the server printed for the same
saves, as the peer: the difference is the cost of watching, notifying and
reloading the frame.

Needs Debian's chromium at /usr/bin/chromium and the test extras (playwright).
"""

from __future__ import annotations

import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from composer.pipeline import issue_files  # noqa: E402

SAVES = 20


def main() -> None:
    from playwright.sync_api import sync_playwright

    example = max(issue_files([ROOT / "examples"]), key=lambda p: p.stat().st_size)
    with tempfile.TemporaryDirectory() as scratch:
        issue = Path(scratch) / example.name
        shutil.copy(example, issue)
        shutil.copy(ROOT / "examples" / "house.yaml", Path(scratch) / "house.yaml")
        original = issue.read_text()
        headline = re.search(r"^headline: (.+)$", original, re.M)[1]

        server = subprocess.Popen(
            [sys.executable, "-m", "composer", "preview", str(issue), "--no-open", "--port", "0"],
            stdout=subprocess.PIPE, text=True,
        )
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(line.rstrip() for line in server.stdout), daemon=True).start()
        while not any("previewing" in line for line in lines):
            time.sleep(0.01)
        url = re.search(r"(http://\S+)", next(line for line in lines if "previewing" in line))[1]

        latencies = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(url)
            page.frame_locator("#email").locator("h1").wait_for()
            for n in range(SAVES):
                new = f"Save number {n} of the benchmark"
                started = time.perf_counter()
                issue.write_text(original.replace(headline, new))
                page.wait_for_function(
                    "text => (document.getElementById('email').contentDocument.querySelector('h1') || {}).textContent"
                    "?.endsWith(text)",
                    arg=new, polling="raf", timeout=10_000,
                )
                latencies.append(time.perf_counter() - started)
                time.sleep(0.2)  # let the editor's "save" settle, as between real saves
            browser.close()
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)

    rebuilds = [float(m[1]) for line in lines if (m := re.search(r"saved .*: rebuilt in (\d+) ms", line))]
    median = statistics.median(latencies) * 1000
    print(f"issue: {example.relative_to(ROOT)}; {SAVES} saves")
    print(f"save-to-update in the browser: median {median:.0f} ms, slowest {max(latencies) * 1000:.0f} ms")
    print(f"server rebuild alone (peer):   median {statistics.median(rebuilds):.0f} ms over {len(rebuilds)} rebuilds")
    print(f"ratio save-to-update / rebuild: {median / statistics.median(rebuilds):.1f}")


if __name__ == "__main__":
    main()
