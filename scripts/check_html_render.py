#!/usr/bin/env python
"""Render a fit's HTML report (and the docs home page) in headless Chromium and check them.

For each page: ``--dump-dom`` must contain the expected text (table captions, an estimate),
and a ``--screenshot`` must not be blank (enough non-background pixels). Exit code 0 when all
checks pass, 1 when one fails, 2 when no Chromium is installed.

Usage::

    apt-get install -y chromium          # Debian's package
    python scripts/check_html_render.py [--docs docs/_build/html/index.html] [--out DIR]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import trustmodel as tm

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars"]
EDT = tm.datasets.model("edt")


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(chromium: str, args: list[str], profile: Path, timeout: int = 90) -> str:
    cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr[-800:]}")
    return proc.stdout


def dump_dom(chromium: str, url: str, profile: Path) -> str:
    return _run(chromium, ["--dump-dom", url], profile)


def screenshot(chromium: str, url: str, png: Path, profile: Path,
               size: str = "1200,1400") -> Path:
    _run(chromium, [f"--screenshot={png}", f"--window-size={size}", url], profile)
    if not png.exists():
        raise RuntimeError(f"chromium wrote no screenshot to {png}")
    return png


def ink_fraction(png: Path) -> float:
    """Share of pixels that differ clearly from the page background (top-left pixel)."""
    import numpy as np
    from PIL import Image
    img = np.asarray(Image.open(png).convert("RGB"), dtype=float)
    background = img[0, 0]
    diff = np.abs(img - background).sum(axis=2)
    return float((diff > 60).mean())


def report_page(out: Path) -> tuple[Path, list[str]]:
    """Write the EDT fit's ``_repr_html_`` to a page; return it and the texts to expect."""
    res = tm.fit(EDT, tm.datasets.load("edt"))
    r = res.params.query("lhs == 'SAT' and op == '~' and rhs == 'DISC'").iloc[0]
    page = out / "report.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>trustmodel "
                    "report</title></head><body>" + res._repr_html_() + "</body></html>",
                    encoding="utf-8")
    return page, ["ended normally", "Latent Variables", "Regressions", "DISC (b)",
                  f"{r.est:.3f}", "Comparative Fit Index (CFI)"]


def check(chromium: str, page: Path, expect: list[str], out: Path, name: str,
          min_ink: float = 0.005) -> list[str]:
    problems = []
    with tempfile.TemporaryDirectory() as profile:
        dom = dump_dom(chromium, page.resolve().as_uri(), Path(profile))
    missing = [t for t in expect if t not in dom]
    if missing:
        problems.append(f"{name}: text missing from the rendered DOM: {missing}")
    with tempfile.TemporaryDirectory() as profile:
        png = screenshot(chromium, page.resolve().as_uri(), out / f"{name}.png", Path(profile))
    ink = ink_fraction(png)
    if ink < min_ink:
        problems.append(f"{name}: screenshot {png} looks blank ({ink:.4%} ink)")
    print(f"{name}: {len(expect) - len(missing)}/{len(expect)} texts found, "
          f"{ink:.2%} of the screenshot inked ({png})")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=Path, default=Path("docs/_build/html/index.html"),
                    help="docs home page to check (skipped if it does not exist)")
    ap.add_argument("--out", type=Path, help="folder for pages and screenshots "
                                             "(default: a temporary folder)")
    args = ap.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("chromium not found (Debian: apt-get install -y chromium)", file=sys.stderr)
        return 2
    out = args.out or Path(tempfile.mkdtemp(prefix="tm-render-"))
    out.mkdir(parents=True, exist_ok=True)
    page, expect = report_page(out)
    problems = check(chromium, page, expect, out, "report")
    if args.docs.exists():
        problems += check(chromium, args.docs, ["trustmodel", "Getting started",
                                                "Coming from lavaan"], out, "docs")
        quick = args.docs.parent / "notebooks" / "quickstart.html"
        if quick.exists():  # a notebook page: its figures are images in the page
            problems += check(chromium, quick, ["<img", "path diagram"], out, "quickstart")
    else:
        print(f"docs: {args.docs} not built; skipped (bash docs/build.sh builds it)")
    for p in problems:
        print("FAIL", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
