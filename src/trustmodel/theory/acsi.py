"""National customer-satisfaction index models: ACSI (Fornell et al. 1996) and ECSI.

ACSI (Fornell, Johnson, Anderson, Cha & Bryant 1996, doi:10.1177/002224299606000403):
expectations -> perceived quality, perceived value, satisfaction; quality -> value,
satisfaction; value -> satisfaction; satisfaction -> complaints, loyalty; complaints ->
loyalty. ECSI (ECSI Technical Committee 1998; Tenenhaus et al. 2005) adds corporate image:
image -> expectation, satisfaction, loyalty. All blocks are Mode A (``=~``), so the syntax runs
with ``estimator="PLS"`` (the usual choice, with the 0-100 index of :func:`trustmodel.acsi_index`)
and with ``"ML"``; a one-item block gets ``x ~~ 0*x`` (no measurement error) so that the
CB-SEM model is identified, which PLS ignores.
"""
from __future__ import annotations

from .._errors import OptionError
from .._readonly import ReadOnlyDict
from ..syntax import build_table

_ECSI_PATHS = (("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
               ("Expectation", "Quality"), ("Expectation", "Value"),
               ("Expectation", "Satisfaction"), ("Quality", "Value"),
               ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
               ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"),
               ("Complaints", "Loyalty"))
_ROLES = ("image", "expectation", "quality", "value", "satisfaction", "complaints", "loyalty")
_DEFAULT = dict(zip(_ROLES, ("Image", "Expectation", "Quality", "Value", "Satisfaction",
                             "Complaints", "Loyalty")))


def _items(owner, role, items) -> list:
    if isinstance(items, str):
        items = [items]
    try:
        items = list(items)
    except TypeError:
        raise OptionError(f"{role}= of {owner}() must be a list of column names; "
                          f"got {items!r}.") from None
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise OptionError(f"{role}= of {owner}() must be a non-empty list of column names; "
                          f"got {items!r}.")
    if len(set(items)) != len(items):
        raise OptionError(f"{role}= of {owner}() lists an item twice: {items!r}.")
    return items


class _IndexModel:
    _owner = "IndexModel"
    _roles: tuple = ()

    def __init__(self, names=None, **blocks):
        names = dict(names or {})
        unknown = sorted(set(names) - set(self._roles))
        if unknown:
            raise OptionError(f"names= of {self._owner}() has unknown role(s) "
                              f"{', '.join(map(repr, unknown))}; roles are "
                              f"{', '.join(map(repr, self._roles))}.")
        self.names = ReadOnlyDict({r: names.get(r, _DEFAULT[r]) for r in self._roles})
        if len(set(self.names.values())) != len(self._roles):
            raise OptionError(f"names= of {self._owner}() gives two constructs the same name.")
        self.blocks = ReadOnlyDict({self.names[r]: tuple(_items(self._owner, r, blocks[r]))
                                    for r in self._roles})
        seen: dict = {}
        for c, items in self.blocks.items():
            for i in items:
                if i in seen:
                    raise OptionError(f"Item {i!r} is given to both {seen[i]!r} and {c!r} in "
                                      f"{self._owner}(); each item measures one construct.")
                seen[i] = c
                if i in self.names.values():
                    raise OptionError(f"Item {i!r} has the name of a construct in "
                                      f"{self._owner}(); rename the construct with names=.")
        roles = {v: k for k, v in _DEFAULT.items()}
        self.paths = tuple((self.names[roles[a]], self.names[roles[b]]) for a, b in _ECSI_PATHS
                           if roles[a] in self._roles and roles[b] in self._roles)

    @property
    def constructs(self) -> dict:
        """Construct -> items."""
        return {c: list(i) for c, i in self.blocks.items()}

    @property
    def items(self) -> list:
        return [i for items in self.blocks.values() for i in items]

    @property
    def syntax(self) -> str:
        """lavaan-style syntax (Mode A blocks ``=~``, paths ``~``)."""
        lines = [f"{c} =~ {' + '.join(items)}" for c, items in self.blocks.items()]
        for target in self.blocks:
            sources = [a for a, b in self.paths if b == target]
            if sources:
                lines.append(f"{target} ~ {' + '.join(sources)}")
        lines += [f"{items[0]} ~~ 0*{items[0]}" for items in self.blocks.values()
                  if len(items) == 1]
        return "\n".join(lines) + "\n"

    @property
    def table(self):
        """The covariance-based :class:`~trustmodel.ParameterTable` of :attr:`syntax` (what
        ``tm.fit(model, data)`` estimates by ML; PLS reads the syntax itself)."""
        return build_table(self.syntax)

    def __repr__(self) -> str:
        return f"{self._owner}({', '.join(f'{c}: {len(i)} items' for c, i in self.blocks.items())})"


class ECSI(_IndexModel):
    """European Customer Satisfaction Index model (seven constructs, all Mode A).

    Image -> Expectation, Satisfaction, Loyalty; Expectation -> Quality, Value, Satisfaction;
    Quality -> Value, Satisfaction; Value -> Satisfaction; Satisfaction -> Complaints,
    Loyalty; Complaints -> Loyalty.

    Parameters
    ----------
    image, expectation, quality, value, satisfaction, complaints, loyalty : list of str
        Items (data columns) of each construct.
    names : dict, optional
        Construct names by role (default ``Image``, ``Expectation``, ``Quality``, ``Value``,
        ``Satisfaction``, ``Complaints``, ``Loyalty``).

    Examples
    --------
    >>> import trustmodel as tm
    >>> ecsi = tm.ECSI(image=[f"IMAG{i}" for i in range(1, 6)],
    ...                expectation=["CUEX1", "CUEX2", "CUEX3"],
    ...                quality=[f"PERQ{i}" for i in range(1, 8)], value=["PERV1", "PERV2"],
    ...                satisfaction=["CUSA1", "CUSA2", "CUSA3"], complaints=["CUSCO"],
    ...                loyalty=["CUSL1", "CUSL2", "CUSL3"])
    >>> print(ecsi.syntax.splitlines()[-4])
    Satisfaction ~ Image + Expectation + Quality + Value
    >>> res = tm.fit(ecsi, tm.datasets.load("mobi"), estimator="PLS")
    >>> # seminr: estimate_pls(mobi, mobi_mm, mobi_sm) with composite() blocks (Mode A)
    >>> float(round(res.path_coefficients.loc["Satisfaction", "Loyalty"], 4))
    0.4855
    """

    _owner = "ECSI"
    _roles = _ROLES

    def __init__(self, *, image, expectation, quality, value, satisfaction, complaints,
                 loyalty, names=None):
        super().__init__(names, image=image, expectation=expectation, quality=quality,
                         value=value, satisfaction=satisfaction, complaints=complaints,
                         loyalty=loyalty)


class ACSI(_IndexModel):
    """American Customer Satisfaction Index model (Fornell et al. 1996; six constructs).

    Expectation -> Quality, Value, Satisfaction; Quality -> Value, Satisfaction;
    Value -> Satisfaction; Satisfaction -> Complaints, Loyalty; Complaints -> Loyalty.

    Parameters
    ----------
    expectation, quality, value, satisfaction, complaints, loyalty : list of str
    names : dict, optional
        Construct names by role.

    Examples
    --------
    >>> import trustmodel as tm
    >>> acsi = tm.ACSI(expectation=["CUEX1", "CUEX2", "CUEX3"],
    ...                quality=[f"PERQ{i}" for i in range(1, 8)], value=["PERV1", "PERV2"],
    ...                satisfaction=["CUSA1", "CUSA2", "CUSA3"], complaints=["CUSCO"],
    ...                loyalty=["CUSL1", "CUSL2", "CUSL3"])
    >>> acsi.paths[:3]
    (('Expectation', 'Quality'), ('Expectation', 'Value'), ('Expectation', 'Satisfaction'))
    """

    _owner = "ACSI"
    _roles = _ROLES[1:]

    def __init__(self, *, expectation, quality, value, satisfaction, complaints, loyalty,
                 names=None):
        super().__init__(names, expectation=expectation, quality=quality, value=value,
                         satisfaction=satisfaction, complaints=complaints, loyalty=loyalty)
