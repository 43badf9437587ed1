"""Repository-wide pytest setup: doctests under src/trustmodel and the notebooks.

NumPy 2 prints scalars as ``np.float64(0.5)``; doctests are written for the reader, so they
run with NumPy's 1.25 print style (``0.5``), restored after each doctest.
"""
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _doctest_numpy_print_style(request):
    if isinstance(request.node, pytest.DoctestItem):
        old = np.get_printoptions()
        np.set_printoptions(legacy="1.25")
        yield
        np.set_printoptions(**old)
    else:
        yield
