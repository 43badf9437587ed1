"""Command line: ``trustmodel fit DATA.csv MODEL.lav`` and ``trustmodel demo``.

Exit codes: 0 on success, 2 on bad input (trustmodel errors, missing or unreadable files, bad
options, options the engine does not support yet, argparse errors), 1 on an internal error, 130
when interrupted. Every error is ONE line on stderr (``trustmodel: error: ...``), never a
traceback, so a calling tool can show it as it is. Warnings recorded during a fit are printed to
stderr as one line each (and appear in the report or the JSON).

The common mistakes get a hint: a semicolon (or tab) separated CSV read as one column
(``--sep ';'``), DATA and MODEL given the other way round, a theory name with a typo.
"""
from __future__ import annotations

import argparse
import sys
import warnings

from . import datasets

EDT_DEMO_MODEL = datasets.model("edt")

# --theory NAME -> public builder name in the trustmodel namespace (every builder)
THEORIES = {
    "edt": "ExpectationDisconfirmation",
    "cdv": "CustomerDeliveredValue",
    "trust": "ThreeLevelTrust",
    "loyalty": "SatisfactionLoyalty",
    "acsi": "ACSI",
    "ecsi": "ECSI",
}
_SEPARATORS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "space": " "}


class UsageError(Exception):
    """Bad command-line input (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as one line on stderr (exit code 2, as argparse)."""

    def error(self, message):
        self.exit(2, f"trustmodel: error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="trustmodel",
        description="Fit customer-satisfaction structural equation models (lavaan syntax).")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    f = sub.add_parser("fit", help="fit a model to a CSV file and print a report",
                       description="Fit MODEL (lavaan syntax file) or a --theory builder to "
                                   "DATA (CSV with a header row).")
    f.add_argument("data", metavar="DATA.csv", help="CSV file with one column per variable")
    f.add_argument("model", metavar="MODEL.lav", nargs="?",
                   help="file with lavaan model syntax (omit with --theory)")
    f.add_argument("--theory", metavar="NAME",
                   help=f"build the model from a theory builder ({', '.join(sorted(THEORIES))};"
                        " needs --items)")
    f.add_argument("--items", metavar="ITEMS.toml",
                   help="TOML file mapping the theory's constructs to indicator columns")
    f.add_argument("--estimator", default="ML", help="ML (default), MLR, GLS, ULS, PLS, PLSc")
    f.add_argument("--missing", default="listwise", help="listwise (default) or fiml")
    f.add_argument("--group", metavar="COLUMN", help="column defining groups (multi-group)")
    f.add_argument("--group-equal", metavar="TYPES", default="",
                   help="comma-separated parameter types equal across groups "
                        "(loadings,intercepts,...)")
    f.add_argument("--std-lv", action="store_true", help="fix latent variances to 1")
    f.add_argument("--se", default=None, help="standard (default), robust, bootstrap, none")
    f.add_argument("--bootstrap", type=int, metavar="N",
                   help="bootstrap standard errors with N draws (implies --se bootstrap)")
    f.add_argument("--seed", type=int, help="random seed (bootstrap)")
    out = f.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.add_argument("--markdown", action="store_true", help="print an APA Markdown table")
    out.add_argument("--latex", action="store_true", help="print an APA LaTeX table")
    f.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE")
    f.add_argument("--sep", metavar="SEP", default=",",
                   help="field separator of DATA.csv: ',' (default), ';', 'tab', ...")

    sub.add_parser("demo", help="fit the expectation-disconfirmation model on bundled data",
                   description="Fit the expectation-disconfirmation model (EXP -> PERF -> "
                               "DISC -> SAT -> LOY) to the bundled 'edt' data and print its "
                               "summary.")
    return p


def _version() -> str:
    from .report.summary import package_version
    return package_version()


def _separator(sep: str) -> str:
    sep = _SEPARATORS.get(sep.lower(), sep) if isinstance(sep, str) else sep
    if not sep or len(sep) != 1:
        raise UsageError(f"--sep must be one character such as ';' or 'tab'; got {sep!r}.")
    return sep


def _read_csv(path, sep: str = ","):
    import pandas as pd
    try:
        data = pd.read_csv(path, sep=_separator(sep))
    except FileNotFoundError:
        raise UsageError(f"Data file {str(path)!r} does not exist.") from None
    except IsADirectoryError:
        raise UsageError(f"Data file {str(path)!r} is a directory.") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"Cannot read data file {str(path)!r}: {first}") from None
    if data.shape[1] == 1:  # one column whose name holds the real separator
        header = str(data.columns[0])
        for cand, name in ((";", "';'"), ("\t", "tab"), ("|", "'|'"), (",", "','")):
            if cand != sep and cand in header:
                raise UsageError(
                    f"Data file {str(path)!r} was read as one column named {header[:60]!r}: it "
                    f"looks separated by {name}; use --sep {name}.")
    return data


def _looks_like_model(path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if not head.strip():
        return False
    first = head.strip().splitlines()[0]
    return "=~" in head or ("~" in head and "," not in first)  # a CSV header has commas


def _check_not_swapped(data_path, model_path) -> None:
    """DATA first, MODEL second: say so when the files look the other way round."""
    if model_path is None:
        return
    data_is_model = str(data_path).endswith((".lav", ".model", ".txt")) or \
        _looks_like_model(data_path)
    model_is_csv = str(model_path).endswith((".csv", ".tsv"))
    if data_is_model and (model_is_csv or not _looks_like_model(model_path)):
        raise UsageError(f"{str(data_path)!r} looks like model syntax and {str(model_path)!r} "
                         "like data: did you swap DATA and MODEL? The order is "
                         "'trustmodel fit DATA.csv MODEL.lav'.")


def _read_text(path, what):
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        raise UsageError(f"{what} file {str(path)!r} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"Cannot read {what.lower()} file {str(path)!r}: {exc}") from None


def _theory_model(name: str, items_path: str | None):
    import tomllib

    import trustmodel
    if items_path is None:
        raise UsageError(f"--theory {name} needs --items ITEMS.toml mapping constructs to "
                         "columns.")
    key = name.lower()
    by_class = {v.lower(): k for k, v in THEORIES.items()}
    key = by_class.get(key, key)
    if key not in THEORIES:
        from ._validation import did_you_mean
        raise UsageError(f"Unknown theory {name!r}; choose one of "
                         f"{', '.join(sorted(THEORIES))}."
                         + did_you_mean([name], list(THEORIES) + list(THEORIES.values())))
    name, cls_name = key, THEORIES[key]
    builder = getattr(trustmodel, cls_name, None)
    if builder is None:
        raise UsageError(f"Theory {name!r} (tm.{cls_name}) is not available in this version "
                         "of trustmodel.")
    text = _read_text(items_path, "Items")
    try:
        items = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"Items file {items_path!r} is not valid TOML: {exc}") from None
    if isinstance(items.get(name), dict):  # [edt] table, or top-level keys
        items = items[name]
    try:
        return builder(**items)
    except TypeError as exc:
        raise UsageError(f"Items file {items_path!r} does not fit tm.{cls_name}: {exc}") from None
    except trustmodel.TrustModelError as exc:
        raise UsageError(f"Items file {items_path!r}: {exc}") from None


def _fit_command(args) -> str:
    import trustmodel as tm
    if args.theory and args.model:
        raise UsageError("Give either MODEL.lav or --theory, not both.")
    if args.theory:
        model = _theory_model(args.theory, args.items)
    elif args.model:
        model = _read_text(args.model, "Model")
    else:
        raise UsageError("Missing MODEL.lav (or --theory NAME --items ITEMS.toml).")
    if args.items and not args.theory:
        raise UsageError("--items is only used with --theory.")
    if not args.theory:
        _check_not_swapped(args.data, args.model)
    data = _read_csv(args.data, args.sep)
    kw = {"estimator": args.estimator, "missing": args.missing, "group": args.group,
          "std_lv": args.std_lv}
    if args.group_equal:
        kw["group_equal"] = tuple(s.strip() for s in args.group_equal.split(",") if s.strip())
    se = args.se
    if args.bootstrap is not None:
        if args.bootstrap < 1:
            raise UsageError(f"--bootstrap must be a positive number of draws; got "
                             f"{args.bootstrap}.")
        if se not in (None, "bootstrap"):
            raise UsageError(f"--bootstrap conflicts with --se {se}.")
        se = "bootstrap"
        kw["bootstrap"] = args.bootstrap
    if se is not None:
        kw["se"] = se
    if args.seed is not None:
        kw["seed"] = args.seed
    res = _fit_quietly(tm.fit, model, data, **kw)
    return _render(res, args)


def _render(res, args) -> str:
    """Text, JSON, Markdown or LaTeX of a CB-SEM or a PLS result (what the result offers)."""
    import json
    kind = "PLS" if type(res).__name__ == "PLSResult" else "CB-SEM"
    if args.json:
        if hasattr(res, "to_json"):
            return res.to_json()
        return json.dumps(res.to_dict(), indent=2, allow_nan=False, default=_json_default)
    summary = res.summary()
    for flag, method in (("markdown", "to_markdown"), ("latex", "to_latex")):
        if getattr(args, flag):
            render = getattr(summary, method, None) or getattr(res, method, None)
            if render is None:
                raise UsageError(f"--{flag} is not available for {kind} fits in this version; "
                                 "use --json or the text report.")
            return render()
    return str(summary)


def _json_default(value):
    import numpy as np
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _fit_quietly(fit, *args, **kw):
    """Run ``fit`` with warnings shown as one stderr line each (they are also on the result)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit(*args, **kw)
    seen = set()
    for w in caught:
        line = f"trustmodel: warning: {w.category.__name__}: {w.message}"
        if line not in seen:
            seen.add(line)
            print(line, file=sys.stderr)
    return res


def demo() -> str:
    """Fit the expectation-disconfirmation demo model on the bundled ``edt`` data.

    Returns
    -------
    str
        The summary text.

    Examples
    --------
    >>> from trustmodel.cli import demo
    >>> text = demo()
    >>> "ended normally" in text and "Regressions:" in text
    True
    """
    import trustmodel as tm
    data = tm.datasets.load("edt")
    res = _fit_quietly(tm.fit, EDT_DEMO_MODEL, data)
    intro = ("Expectation-disconfirmation model on the bundled 'edt' data "
             "(tm.datasets.load('edt')):\n\n" + EDT_DEMO_MODEL + "\n")
    return intro + str(res.summary())


def _one_line(exc) -> str:
    """The message of an error as one line (a syntax error's source line kept in quotes)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    first = lines[0].rstrip(":")
    if getattr(exc, "line", None) is not None and len(lines) > 1 and lines[1] != "^":
        first += f" (in: {lines[1]!r})"
        lines = lines[3:] if len(lines) > 2 and set(lines[2]) == {"^"} else lines[2:]
    else:
        lines = lines[1:]
    return " ".join([first, *lines])


def main(argv=None) -> int:
    """Entry point of the ``trustmodel`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)  # argparse itself exits 2 (one line) on unknown options
    if args.command is None:
        parser.print_help()
        return 0
    try:
        from ._errors import TrustModelError
        if args.command == "demo":
            text = demo()
        else:
            text = _fit_command(args)
        if getattr(args, "output", None):
            try:
                with open(args.output, "w", encoding="utf-8") as fh:
                    fh.write(text if text.endswith("\n") else text + "\n")
            except OSError as exc:
                raise UsageError(f"Cannot write {args.output!r}: {exc}") from None
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
    except (UsageError, TrustModelError, NotImplementedError) as exc:
        print(f"trustmodel: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("trustmodel: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 (a bug, not the user's input: still one line)
        print(f"trustmodel: internal error: {type(exc).__name__}: {_one_line(exc)} (please "
              "report it with the command that caused it)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
