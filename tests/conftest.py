"""Fixtures shared by the test modules."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import trustmodel as tm

REFS = Path(__file__).parent / "refs"


def load_ref(name: str) -> dict:
    """A lavaan reference case from tests/refs/ (written by src/trustmodel/datasets/make_refs.R)."""
    return json.loads((REFS / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def hs():
    return tm.datasets.load("holzinger_swineford")


@pytest.fixture(scope="session")
def hs_fit(hs):
    """lavaan's tutorial CFA on Holzinger-Swineford (the hs_cfa_ml reference case)."""
    return tm.fit(load_ref("hs_cfa_ml")["model"], hs)
