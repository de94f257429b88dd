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
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..paths import atomic_write_bytes, cache_dir
from ..validation import MLPCInputError, normalise_formula, parse_formula

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
