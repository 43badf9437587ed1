"""Progress bars for long loops (bootstrap, power analysis), silent when nobody watches.

``progress_bar(total, desc=..., progress=None)`` returns a :mod:`tqdm.auto` bar when the user
asked for one (``progress=True``) or, with ``progress=None``, when the run is interactive
(stderr is a TTY, or the code runs in a Jupyter kernel); otherwise a no-op with the same
interface (``update``, ``set_postfix``, ``close``, context manager, iteration).
"""
from __future__ import annotations

import sys


class NullBar:
    """A do-nothing stand-in for a tqdm bar.

    Examples
    --------
    >>> with NullBar(total=3) as bar:
    ...     bar.update(1)
    >>> list(NullBar(range(2)))
    [0, 1]
    """

    def __init__(self, iterable=None, total=None, **kwargs):
        self.iterable = iterable
        self.total = total
        self.n = 0

    def __iter__(self):
        return iter(self.iterable if self.iterable is not None else ())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix(self, *args, **kwargs) -> None:
        pass

    def set_description(self, *args, **kwargs) -> None:
        pass

    def close(self) -> None:
        pass


def in_jupyter() -> bool:
    """True inside a Jupyter (IPython kernel) session."""
    ip = sys.modules.get("IPython")
    if ip is None:
        return False
    try:
        shell = ip.get_ipython()
    except Exception:  # noqa: BLE001
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def interactive() -> bool:
    """True when a person is likely watching: stderr is a terminal, or a notebook runs."""
    try:
        tty = sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty or in_jupyter()


def progress_bar(iterable=None, *, total: int | None = None, desc: str | None = None,
                 progress: bool | None = None, **kwargs):
    """A tqdm progress bar, or a silent stand-in.

    Parameters
    ----------
    iterable : iterable, optional
        Wrapped as ``tqdm(iterable)``.
    total : int, optional
        Number of steps.
    desc : str, optional
        Label in front of the bar.
    progress : bool, optional
        ``False`` never shows a bar, ``True`` always does, ``None`` (default) only in
        interactive runs (a TTY on stderr or a Jupyter kernel).
    **kwargs
        Passed to :class:`tqdm.auto.tqdm`.

    Returns
    -------
    tqdm.auto.tqdm or NullBar

    Examples
    --------
    >>> bar = progress_bar(total=10, progress=False)
    >>> bar.update(10); bar.close()
    >>> type(bar).__name__
    'NullBar'
    """
    show = interactive() if progress is None else bool(progress)
    if not show:
        return NullBar(iterable, total=total)
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return NullBar(iterable, total=total)
    return tqdm(iterable, total=total, desc=desc, leave=False, **kwargs)


__all__ = ["progress_bar", "NullBar", "interactive", "in_jupyter"]
