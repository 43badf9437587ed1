"""The progress-bar helper shared by long loops."""
from __future__ import annotations

import io

from trustmodel import _progress
from trustmodel._progress import NullBar, progress_bar


def test_silent_when_asked_or_not_interactive(monkeypatch):
    assert isinstance(progress_bar(total=3, progress=False), NullBar)
    monkeypatch.setattr(_progress, "interactive", lambda: False)
    bar = progress_bar(range(3))
    assert isinstance(bar, NullBar) and list(bar) == [0, 1, 2]
    with bar as b:
        b.update(2)
        b.set_postfix(x=1)
    assert bar.n == 2


def test_real_bar_when_forced():
    from tqdm.auto import tqdm
    buf = io.StringIO()
    with progress_bar(total=5, progress=True, file=buf, desc="boot") as bar:
        bar.update(5)
    assert isinstance(bar, tqdm) and "boot" in buf.getvalue()


def test_not_interactive_under_pytest(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not _progress.interactive()
