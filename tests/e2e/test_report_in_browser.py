"""The report as a person sees it: loaded through main.py, opened in headless Chromium (Debian's `chromium`).

Skipped where `chromium` is not on PATH; .ci/run installs it when it can.
"""

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from tests.e2e.conftest import run_main
from tests.support.samples.job_titles import generate_rows, write_job_titles
from tests.support.samples.nem12 import write_nem12

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
DATED_TICK = re.compile(r"^(?:\d{1,2} )?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$")  # "Mar", "15 Mar"
UNKNOWN_FILE = "orders-export.csv"


def chromium(page: Path, profile: Path, *args: str) -> str:
    """Run headless Chromium on a local page, with everything that could reach the network turned off."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _section(dom: str, anchor: str) -> str:
    """A section's HTML without `<wbr>`: a place a long name may wrap, not text a person sees."""
    start = dom.index(f'<section id="{anchor}">')
    return dom[start : dom.index("</section>", start)].replace("<wbr>", "")


def _svg_texts(html: str) -> list[str]:
    return [text.strip() for text in re.findall(r"<text\b[^>]*>([^<]+)</text>", html)]


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def _load_analyse(settings: Settings) -> None:
    folder = settings.imports_dir
    write_job_titles(folder / "job_titles.csv", generate_rows(500, seed=5))
    write_nem12(folder / "meters.nem12", 6, 70, seed=8)
    (folder / UNKNOWN_FILE).write_text("order_id;customer;amount\n1;acme;12.50\n", encoding="utf-8")
    for step in (("--once", str(folder)), ("--pipeline",), ("--analysis",)):
        done = run_main(settings, *step, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_report_renders_the_loads_the_quarantined_file_and_dated_axes(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    _load_analyse(settings)
    report = settings.exports_dir / "report.html"

    dom = chromium(report, tmp_path / "profile-dom", "--dump-dom")
    screenshot = tmp_path / "report.png"
    chromium(
        report, tmp_path / "profile-shot", "--hide-scrollbars", "--window-size=1000,3000", f"--screenshot={screenshot}"
    )

    assert '<section id="loads">' in dom and "<h2>Loads</h2>" in dom
    loads = _section(dom, "loads")
    assert UNKNOWN_FILE in loads and "no import service recognises this file" in loads
    assert f"python main.py --requeue {UNKNOWN_FILE}" in loads and "job_titles.csv" in loads
    ticks = _svg_texts(_section(dom, "view-daily_consumption"))
    assert sum(bool(DATED_TICK.match(tick)) for tick in ticks) >= 3 and "2026" in ticks, ticks
    assert {"<h2>Title pdl count</h2>", "<h2>Daily consumption</h2>", "<h2>Manager titles</h2>"} <= set(
        re.findall(r"<h2>[^<]+</h2>", dom)
    )
    assert not re.search(r"<script|<link|\s(?:src|href)=\"https?:", dom)
    assert _png_size(screenshot) == (1000, 3000) and screenshot.stat().st_size > 30_000  # a blank page is ~3 kB
