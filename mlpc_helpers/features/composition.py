"""Chemical formulas to feature vectors: element fractions and Magpie descriptors.

Both featurizers are scikit-learn transformers over formula strings (``"Bi2Te3"``,
``"Yb0.3Co4Sb12"``): ``transform`` takes a 1-D sequence (list, numpy array, pandas Series or a
one-column DataFrame) of ``n`` formulas and returns an ``(n, n_features)`` float array.

- :class:`ElementFractions`: 118 atomic fractions (column ``j`` = element with Z = j + 1),
  parsed with pymatgen's ``Composition``; each row sums to 1.
- :class:`MagpieFeaturizer`: the 132 Magpie statistics of Ward et al. (2016), npj Comput.
  Mater. 2, 16028 (doi:10.1038/npjcompumats.2016.28), from matminer's
  ``ElementProperty.from_preset("magpie")``; units are those of each elemental property
  (e.g. K for melting temperature, Å³ for volume), see ``get_feature_names_out``.

Every unique formula is featurized once: results live in an in-memory cache shared by all
instances, and optionally (``disk_cache=True``) in ``<root>/build/cache/composition/`` so a
second run of a notebook skips matminer. Nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..paths import atomic_write_bytes, cache_dir
from ..validation import MLPCInputError

# ----------------------------------------------------------------------------- formula strings
# One home for reading formula strings (hydrates, pseudo-elements, all-capitals): every
# featurizer below and every caller in the package parse through these two functions.
#: Separators of an adduct / water of crystallisation: middle dot, bullet, dot operator,
#: bullet operator, asterisk. The ASCII period is one only before water (see below).
HYDRATE_SEPARATORS = "\u00b7\u2022\u22c5\u2219*"
_NUM = r"\d+(?:\.\d+)?"
# "CuSO4.5H2O", "CaSO4.0.5H2O", "Na2CO3.H2O": a period followed by an optional amount and
# H2O / D2O is a hydrate dot, not a decimal point.
_PERIOD_HYDRATE = re.compile(rf"(?<=[A-Za-z0-9)\]])\s*\.\s*({_NUM})?\s*(?=[HD]2O(?![a-z0-9]))")
_PART = re.compile(rf"^\s*({_NUM})?\s*(.+?)\s*$")
#: Pseudo-element symbols found in supplier sheets and papers, with what to do.
PSEUDO_ELEMENTS = {
    "Mm": "misch metal, a mixture of rare earths (mostly Ce and La; e.g. "
          "Ce0.5La0.25Nd0.2Pr0.05 per Mm)",
    "Ln": "any lanthanide",
    "RE": "any rare earth",
    "R": "a rare earth or other placeholder",
    "M": "a placeholder metal",
    "X": "a placeholder element",
    "A": "a placeholder element",
    "Vac": "a vacancy",
    "Va": "a vacancy",
}


def _period_hydrates(part: str) -> str:
    """Periods that stand for a hydrate dot in one part of a formula -> '·'. A period counts
    only after a formula (letters before it), not inside a leading amount such as '0.5'."""
    out, last = [], 0
    for m in _PERIOD_HYDRATE.finditer(part):
        if not re.search(r"[A-Za-z)\]]", part[:m.start()]):
            continue
        out += [part[last:m.start()], "\u00b7" + (m.group(1) or "")]
        last = m.end()
    return "".join(out) + part[last:]


def normalise_formula(formula: str, name: str = "formula") -> str:
    """A formula string in the notation pymatgen reads: hydrates and adducts written with
    ``·`` (or ``•``, ``⋅``, ``*``, or ``.`` before water) become parenthesised groups:
    ``"CuSO4·5H2O"`` and ``"CuSO4.5H2O"`` → ``"CuSO4(H2O)5"``, ``"CaSO4·0.5H2O"`` →
    ``"CaSO4(H2O)0.5"``. A period between digits elsewhere stays a decimal point
    (``"Yb0.3Co4Sb12"``)."""
    if not isinstance(formula, str):
        raise MLPCInputError(
            f"{name}: formulas must be strings; got {formula!r} ({type(formula).__name__}). "
            "Drop missing values or convert the column with .astype(str) first."
        )
    s = formula.strip()
    if not s:
        raise MLPCInputError(f"{name}: the formula is empty; drop the row or fill it in.")
    parts = [_period_hydrates(p) for p in re.split("[" + re.escape(HYDRATE_SEPARATORS) + "]", s)]
    parts = "\u00b7".join(parts).split("\u00b7")
    if len(parts) == 1:
        return s
    out = parts[0].strip()
    if not out:
        raise MLPCInputError(f"{name}: {formula!r} starts with a hydrate dot; write the "
                             "compound first, e.g. 'CuSO4·5H2O'.")
    for p in parts[1:]:
        m = _PART.match(p)
        if not m or not m.group(2):
            raise MLPCInputError(
                f"{name}: {formula!r} has nothing after a hydrate dot; write e.g. "
                "'CuSO4·5H2O' (amount, then the formula of the adduct)."
            )
        out += f"({m.group(2)}){m.group(1) or ''}"
    return out


@lru_cache(maxsize=1)
def _element_symbols() -> frozenset[str]:
    from pymatgen.core.periodic_table import Element

    return frozenset(e.symbol for e in Element)


def _capitals_problem(s: str) -> str | None:
    """Why an all-capitals formula is ambiguous (or unreadable), or None."""
    letters = re.sub(r"[^A-Za-z]", "", s)
    if len(letters) < 2 or letters != letters.upper():
        return None
    symbols = _element_symbols()
    issues = []
    for run in re.findall(r"[A-Z]{2,}", s):
        for i in range(len(run) - 1):
            pair = run[i:i + 2]
            cand = pair[0] + pair[1].lower()
            if cand in symbols:
                if pair[0] in symbols and pair[1] in symbols:
                    issues.append(f"'{pair}' could be {cand} or {pair[0]} + {pair[1]}")
                else:
                    alone = pair[1] if pair[0] in symbols else pair[0]
                    issues.append(f"'{pair}' reads as {pair[0]} + {pair[1]}, but {alone} is "
                                  f"not an element (did you mean {cand}?)")
    if not issues:
        return None
    return ("it is written in capitals only, so it parses only by reading capitals as "
            "other elements: " + "; ".join(issues) + ". Write each symbol with its second "
            "letter in lower case (e.g. 'CoSb3', not 'COSB3'); if the capitals are meant as "
            "written, give each element its amount (e.g. 'C1O2' for carbon dioxide)")


def parse_formula(formula: str, name: str = "formula") -> Any:
    """``formula`` as a pymatgen ``Composition``, after :func:`normalise_formula`.

    Raises :class:`MLPCInputError` (message starting with ``name``) for: non-strings and empty
    strings; all-capitals formulas that parse only by reading capitals as other elements
    (``"COSB3"``: Co or C + O?); symbols that are not elements (``"Mm"`` in ``"MmFe4Sb12"``,
    named exactly, with what to do); characters no formula has; zero amounts.
    """
    from pymatgen.core import Composition, Element

    s = normalise_formula(formula, name)
    why = _capitals_problem(s)
    if why:
        raise MLPCInputError(f"{name}: {formula!r} is rejected: {why}.")
    odd = re.search(r"[^A-Za-z0-9.()\[\]\s]", s)
    if odd:
        raise MLPCInputError(
            f"{name}: {formula!r} holds {odd.group()!r} (position {odd.start()}), which is not "
            "part of a chemical formula (charges, oxidation states, ranges and notes are not "
            "read). Write element symbols with amounts, e.g. 'Bi2Te3' or '(Bi0.5Sb0.5)2Te3'."
        )
    try:
        comp = Composition(s)
    except Exception:  # pymatgen raises ValueError, TypeError, KeyError, ...
        raise MLPCInputError(
            f"{name}: cannot read {formula!r} as a chemical formula. Write element symbols "
            "with amounts, e.g. 'Bi2Te3', '(Bi0.5Sb0.5)2Te3' or 'CuSO4·5H2O'."
        ) from None
    unknown = [getattr(el, "symbol", str(el)) for el in comp.elements
               if not isinstance(el, Element)]
    if unknown:
        sym = unknown[0]
        hint = PSEUDO_ELEMENTS.get(sym)
        stands = f" (usually {hint})" if hint else ""
        raise MLPCInputError(
            f"{name}: {formula!r}: {sym!r} is not an element symbol{stands}"
            + (f"; also {', '.join(map(repr, unknown[1:]))}" if len(unknown) > 1 else "")
            + ". Replace it by the elements it stands for, with their amounts, or drop the "
            "row. Element symbols start with a capital letter (Bi, Te, Sb)."
        )
    if comp.num_atoms <= 0:
        raise MLPCInputError(f"{name}: {formula!r} has no atoms (all amounts are zero).")
    return comp



N_ELEMENTS = 118

# (featurizer kind, formula) -> feature vector; shared by every instance of the process
_MEMORY: dict[tuple[str, str], np.ndarray] = {}


def _formulas(X: Any) -> list[str]:
    """Normalise the input of ``transform`` to a list of formula strings."""
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # DataFrame
        if X.shape[1] != 1:
            raise MLPCInputError(
                f"Expected one column of formula strings, got a DataFrame with {X.shape[1]} "
                "columns. Pass df['formula'] (or select the formula column in a "
                "ColumnTransformer with a string, not a list)."
            )
        X = X.iloc[:, 0]
    arr = np.asarray(X, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise MLPCInputError(
            f"Expected a 1-D sequence of formula strings, got shape {arr.shape}. "
            "Pass e.g. df['formula'] or ['Bi2Te3', 'PbTe']."
        )
    bad = [k for k, x in enumerate(arr) if not isinstance(x, str)]
    if bad:
        raise MLPCInputError(
            f"formulas: row {bad[0]} is {arr[bad[0]]!r} ({type(arr[bad[0]]).__name__}), not a "
            f"string (rows that are not strings: {len(bad)}). Formulas must be strings: drop "
            "missing values (df.dropna(subset=['formula'])) or fix those rows first."
        )
    return [str(x) for x in arr]


def _with_rows(err: Exception, formula: str, forms: list[str], X: Any) -> str:
    """The message of ``err`` prefixed with the rows (and index labels) holding ``formula``."""
    rows = [k for k, f in enumerate(forms) if f == formula]
    index = list(X.index) if hasattr(X, "iloc") else None
    where = ", ".join(f"{k}" + (f" (index {index[k]!r})" if index is not None else "")
                      for k in rows[:5]) + (f", ... ({len(rows)} rows)" if len(rows) > 5 else "")
    msg = str(err).removeprefix("formula: ")
    return f"formulas: row{'s' if len(rows) > 1 else ''} {where}: {msg}"


def element_fractions(formula: str) -> np.ndarray:
    """Atomic fractions of ``formula`` as a (118,) vector, index Z - 1; sums to 1."""
    out = np.zeros(N_ELEMENTS)
    for el, x in parse_formula(formula).fractional_composition.items():
        out[el.Z - 1] = x
    return out


def dominant_element(formulas: Iterable[str]) -> list[str]:
    """The element with the largest atomic fraction of each formula (ties: lower Z first).

    Examples
    --------
    >>> dominant_element(["Fe2O3", "PbTe", "Bi2Te3"])  # ties: the lower Z
    ['O', 'Te', 'Te']
    """
    from pymatgen.core import Element

    return [Element.from_Z(int(np.argmax(element_fractions(f))) + 1).symbol for f in formulas]


@lru_cache(maxsize=1)
def _magpie():
    from matminer.featurizers.composition import ElementProperty

    return ElementProperty.from_preset("magpie")


class _FormulaFeaturizer(TransformerMixin, BaseEstimator):
    """Base class: featurize each unique formula once, in memory and optionally on disk."""

    kind = "base"

    def __init__(self, disk_cache: bool = False, progress: bool = False):
        self.disk_cache = disk_cache
        self.progress = progress

    # -- to be provided by subclasses
    def _one(self, formula: str) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def _version(self) -> str:
        """Tag of the disk cache: changes when the feature definition changes."""
        names = "|".join(self.get_feature_names_out())
        return hashlib.sha256(f"{self.kind}:{names}".encode()).hexdigest()[:12]

    # -- scikit-learn API
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # a list of formula strings (n,), not a table
        tags.input_tags.one_d_array = True
        tags.input_tags.string = True
        return tags

    def fit(self, X: Any, y: Any = None) -> _FormulaFeaturizer:
        """Nothing to learn; checks the input and records ``n_features_out_``."""
        _formulas(X)
        self.n_features_out_ = len(self.get_feature_names_out())
        return self

    def transform(self, X: Any) -> np.ndarray:
        """(n,) formula strings -> (n, n_features) float array, one row per input formula.
        Raises ``NotFittedError`` before :meth:`fit` (scikit-learn's contract)."""
        check_is_fitted(self, "n_features_out_")
        raw = _formulas(X)
        keys: dict[str, str] = {}
        for f in dict.fromkeys(raw):  # check every formula first: the error names its rows
            try:
                keys[f] = normalise_formula(f)
                if (self.kind, keys[f]) not in _MEMORY:
                    parse_formula(f)
            except MLPCInputError as err:
                raise MLPCInputError(_with_rows(err, f, raw, X)) from None
        forms = [keys[f] for f in raw]  # hydrates etc. in one notation: one cache entry
        unique = list(dict.fromkeys(forms))
        missing = [f for f in unique if (self.kind, f) not in _MEMORY]
        if missing and self.disk_cache:
            self._load_disk()
            missing = [f for f in unique if (self.kind, f) not in _MEMORY]
        if missing:
            from mlpc_helpers.runtime import progress_bar as tqdm

            it = tqdm(missing, desc=f"{self.kind} features", disable=not self.progress)
            for f in it:
                _MEMORY[(self.kind, f)] = np.asarray(self._one(f), dtype=float)
            if self.disk_cache:
                self._save_disk()
        table = {f: _MEMORY[(self.kind, f)] for f in unique}
        width = len(self.get_feature_names_out())
        if not forms:
            return np.zeros((0, width))
        return np.vstack([table[f] for f in forms])

    # -- disk cache
    def cache_path(self) -> Path:
        """The disk-cache file of this featurizer (``MLPC_CACHE_DIR`` moves it)."""
        return cache_dir("composition") / f"{self.kind}-{self._version()}.npz"

    def _load_disk(self) -> None:
        path = self.cache_path()
        if not path.is_file():
            return
        try:
            with np.load(path, allow_pickle=False) as z:
                forms, values = z["formulas"], z["values"]
        except (OSError, ValueError, KeyError):  # damaged file: ignore, it will be rewritten
            return
        for f, v in zip(forms.tolist(), values, strict=True):
            _MEMORY.setdefault((self.kind, str(f)), np.asarray(v, dtype=float))

    def _save_disk(self) -> None:
        self._load_disk()  # merge what another process may have written meanwhile
        items = sorted((f, v) for (k, f), v in _MEMORY.items() if k == self.kind)
        buf = io.BytesIO()
        np.savez(buf, formulas=np.array([f for f, _ in items], dtype=str),
                 values=np.vstack([v for _, v in items]))
        atomic_write_bytes(self.cache_path(), buf.getvalue())


class ElementFractions(_FormulaFeaturizer):
    """Formula strings -> (n, 118) atomic fractions (pymatgen ``Composition``).

    Column ``j`` is the element with atomic number ``j + 1``; rows sum to 1; dimensionless.

    Examples
    --------
    >>> X = ElementFractions().fit_transform(["Fe2O3", "SiO2"])
    >>> X.shape, X[0, [7, 25]].tolist()  # columns: Z - 1; O and Fe of Fe2O3
    ((2, 118), [0.6, 0.4])
    """

    kind = "fractions"

    def _one(self, formula: str) -> np.ndarray:
        return element_fractions(formula)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        from pymatgen.core import Element

        return np.array([Element.from_Z(z).symbol for z in range(1, N_ELEMENTS + 1)], dtype=object)


class MagpieFeaturizer(_FormulaFeaturizer):
    """Formula strings -> (n, 132) Magpie descriptors (matminer ``ElementProperty``, "magpie").

    Six statistics (minimum, maximum, range, mean, average deviation, mode) of 22 elemental
    properties, weighted by atomic fraction (Ward et al. 2016). ``disk_cache=True`` (the
    default) keeps the results in ``build/cache/composition/`` between runs.
    """

    kind = "magpie"

    def __init__(self, disk_cache: bool = True, progress: bool = False):
        super().__init__(disk_cache=disk_cache, progress=progress)

    def _one(self, formula: str) -> np.ndarray:
        return np.asarray(_magpie().featurize(parse_formula(formula)), dtype=float)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        return np.array(_magpie().feature_labels(), dtype=object)
