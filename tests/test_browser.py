"""The HTML report rendered by a real browser (headless Chromium); skipped without one."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_html_render",
                                              ROOT / "scripts" / "check_html_render.py")
check_html_render = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_html_render)

if check_html_render.find_chromium() is None and os.environ.get("TRUSTMODEL_REQUIRE_BROWSER") == "1":
    raise RuntimeError("chromium is required here (TRUSTMODEL_REQUIRE_BROWSER=1): "
                       "apt-get install -y chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(check_html_render.find_chromium() is None,
                       reason="chromium is not installed (apt-get install -y chromium)"),
]
DOCS = ROOT / "docs" / "_build" / "html"


def test_report_renders_in_chromium(tmp_path):
    pytest.importorskip("PIL")
    page, expect = check_html_render.report_page(tmp_path)
    problems = check_html_render.check(check_html_render.find_chromium(), page, expect,
                                       tmp_path, "report")
    assert problems == []
    assert check_html_render.ink_fraction(tmp_path / "report.png") > 0.01


def test_blank_page_is_detected(tmp_path):
    pytest.importorskip("PIL")
    page = tmp_path / "blank.html"
    page.write_text("<html><body></body></html>")
    problems = check_html_render.check(check_html_render.find_chromium(), page, ["nothing"],
                                       tmp_path, "blank")
    assert any("missing" in p for p in problems) and any("blank" in p for p in problems)


@pytest.mark.skipif(not (DOCS / "notebooks" / "quickstart.html").exists(),
                    reason="docs not built (bash docs/build.sh)")
def test_docs_pages_render_with_their_figures(tmp_path):
    pytest.importorskip("PIL")
    chromium = check_html_render.find_chromium()
    problems = check_html_render.check(chromium, DOCS / "index.html",
                                       ["trustmodel", "Getting started"], tmp_path, "docs")
    problems += check_html_render.check(chromium, DOCS / "notebooks" / "quickstart.html",
                                        ["<img", "path diagram"], tmp_path, "quickstart")
    assert problems == []
