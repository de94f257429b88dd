"""Analysis of spectrum images (EELS, EDS): the tools of week 5 §C.

The X-ray physics (line energies from exspy's element database, the detector resolution
law) is in :mod:`mlpc_helpers.xray`, the Drude energy-loss function with the EELS generator
(:mod:`mlpc_helpers.synthetic.spectrum_images`). Analysis: spectrum normalisation,
component matching, NMF abundances, trace detection tests, a per-pixel Drude fit with
HyperSpy and a PCA + MiniBatchKMeans pipeline for exam-scale cubes. Cluster-label
alignment is in :mod:`mlpc_helpers.clustering`, maps with µm axes in
:mod:`mlpc_helpers.plotting`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .runtime import check_random_int
from .validation import (
    MLPCInputError,
    check_axis,
    check_matrix,
    check_quantity,
    check_spectra,
    warn,
)
from .xray import EDS_FAMILY, fwhm_at_energy, quiet_hyperspy, xray_lines

if TYPE_CHECKING:
    from .synthetic.spectrum_images import SpectrumImage


# ----------------------------------------------------------------------------------------- EDS


# ---------------------------------------------------------------------------- analysis helpers
def _low_sum(sums: np.ndarray, sumsq: np.ndarray, min_sum: float | None) -> tuple:
    """Mask of rows whose sum is near zero or negative, and the limit used."""
    if min_sum is not None:
        return sums <= float(min_sum), float(min_sum)
    limit = 0.25 * max(float(np.percentile(sums, 90)), 0.0)
    low = (sums <= 0) | ((sums <= limit) & (sums <= 3 * np.sqrt(sumsq)))
    return low, limit


def near_zero_rows(X: np.ndarray, min_sum: float | None = None) -> np.ndarray:
    """Rows (bool mask, (n,)) whose sum is too close to zero to divide by: vacuum, holes, or
    dark-subtracted background (sums of zero-mean noise).

    Default rule: the sum is <= 0, or it is at most 25 % of the 90th-percentile row sum AND
    within 3 times the row's own noise scale sqrt(sum of squares) (so a weak but real
    spectrum is kept). ``min_sum``: flag rows with sum <= ``min_sum`` instead.
    """
    x = check_spectra(X, "X")
    return _low_sum(x.sum(axis=1), (x**2).sum(axis=1), min_sum)[0]


def _warn_low(low: np.ndarray, limit: float, where: str = "normalise_spectra") -> None:
    rows = np.flatnonzero(low)
    head = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
    warn(f"{where}: {len(rows)} of {len(low)} rows (rows {head}) have a sum near zero or "
         f"negative (limit {limit:.4g}: vacuum, holes or dark-subtracted background); they "
         "are set to 0 instead of being divided by their sum. Drop them first "
         "(X[~hyperspectral.near_zero_rows(X)]) or pass min_sum= to change the limit.")


def normalise_spectra(X: np.ndarray, *, min_sum: float | None = None) -> np.ndarray:
    """Each row divided by its sum (removes thickness / beam-current scaling).

    ``X``: (n_pixels, channels), finite (counts; dark-subtracted data with negative channels
    are fine). Rows whose sum is near zero or negative (:func:`near_zero_rows`, e.g. vacuum
    pixels of dark-subtracted data) cannot be scaled this way: they are set to 0, and a
    ``MLPCInputWarning`` says how many. Layout and NaN/inf raise ``MLPCInputError``.
    """
    X = check_spectra(X, "X")
    s = X.sum(axis=1)
    low, limit = _low_sum(s, (X**2).sum(axis=1), min_sum)
    if low.any():
        _warn_low(low, limit)
    out = X / np.where(s > 0, s, 1)[:, None]
    out[low] = 0.0
    return out


def responsibility_entropy(resp: np.ndarray) -> np.ndarray:
    """Shannon entropy (nats) of each row of responsibilities (n, k); 0 = certain, log k = max."""
    r = np.clip(np.asarray(resp, float), 1e-300, 1)
    return -(r * np.log(r)).sum(axis=1)


def match_components(truth: np.ndarray, estimated: np.ndarray) -> np.ndarray:
    """Order of the estimated components that best matches the truth (Hungarian, correlation).

    ``truth`` and ``estimated``: (n_components, n_features), truth first as in every score of
    the package. Returns ``perm`` such that ``estimated[perm[k]]`` goes with ``truth[k]``.
    """
    from scipy.optimize import linear_sum_assignment

    tru = check_spectra(truth, "truth", what="component")
    est = check_spectra(estimated, "estimated", what="component", n_channels=tru.shape[1])
    c = np.corrcoef(np.vstack([tru, est]))[: len(tru), len(tru):]
    rows, cols = linear_sum_assignment(-np.nan_to_num(c))
    return cols[np.argsort(rows)]


def nmf_abundances(loadings: np.ndarray, factors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NMF loadings (n_pixels, k) and factors (channels, k) -> simplex abundances and spectra.

    Factors are scaled to unit area (the scale moves into the loadings), then each pixel's
    loadings are divided by their sum: abundances (n_pixels, k) >= 0 summing to 1, spectra
    (k, channels) with unit area.
    """
    L, F = check_matrix(loadings, "loadings"), check_matrix(factors, "factors")
    if L.shape[1] != F.shape[1]:
        raise MLPCInputError(
            f"loadings have {L.shape[1]} components but factors have {F.shape[1]}; pass "
            "loadings (n_pixels, k) and factors (channels, k), e.g. nmf.transform(X) and "
            "nmf.components_.T.")
    L, F = np.clip(L, 0, None), np.clip(F, 0, None)
    area = F.sum(axis=0)
    area = np.where(area > 0, area, 1)
    L = L * area
    s = L.sum(axis=1, keepdims=True)
    return L / np.where(s > 0, s, 1), (F / area).T


def window_net_counts(data2d: np.ndarray, energy: np.ndarray, centre: float, half_width: float,
                      gap: float = 0.05, side: float = 0.15) -> np.ndarray:
    """Background-subtracted counts of a line window per pixel (n_pixels,).

    Window ``centre ± half_width`` (keV); background from two side windows of width ``side``
    starting ``gap`` outside it, interpolated linearly under the window. ``data2d``
    (n_pixels, channels); ``energy`` (channels,) increasing or decreasing.
    """
    X = check_spectra(data2d, "data2d")
    check_axis(energy, "energy", n=X.shape[1], unit=" keV", data="spectra")
    e = check_quantity(np.asarray(energy, float), "energy", "energy_keV")  # eV: converted
    c_kev = check_quantity(centre, "centre", "energy_keV")
    if c_kev != centre:  # the line given in eV too: its half width as well
        half_width = half_width * c_kev / centre
    centre = c_kev
    win = np.abs(e - centre) <= half_width
    left = (e >= centre - half_width - gap - side) & (e < centre - half_width - gap)
    right = (e > centre + half_width + gap) & (e <= centre + half_width + gap + side)
    if not (win.any() and left.any() and right.any()):
        raise MLPCInputError(
            f"energy: the line window {centre:g} ± {half_width:g} keV or its side windows fall "
            f"outside the energy axis ({e.min():g}..{e.max():g} keV).")
    bl, br = X[:, left].mean(1), X[:, right].mean(1)
    el, er = e[left].mean(), e[right].mean()
    bg = bl[:, None] + (br - bl)[:, None] * (e[win] - el) / (er - el)
    return (X[:, win] - bg).sum(axis=1)


def trace_detection_test(cube: SpectrumImage, alpha: float = 1e-3, purity: float = 0.9) -> dict:
    """Does the trace line's net window signal separate the host phase from the others?

    Statistic: net counts in the trace element's main line window (±1 FWHM,
    :func:`window_net_counts`) per pixel; pure host pixels (area fraction >= ``purity``) against
    pure pixels of the other phases, one-sided Welch t-test. Detected when p < ``alpha`` (the
    false-positive rate when there is no trace). The phase map is the truth: a best case.
    """
    from scipy import stats

    p = cube.params
    fam = EDS_FAMILY.get(p["trace_element"], "K")
    centre = dict((n, e) for n, e, _ in xray_lines(p["trace_element"]))[f"{fam}a"]
    net = window_net_counts(cube.data2d, cube.energy, centre, fwhm_at_energy(centre))
    a = cube.abundances.reshape(-1, cube.abundances.shape[-1])
    h = cube.phase_names.index(p["host"])
    host = net[a[:, h] >= purity]
    other = net[(a[:, h] == 0) & (a.max(1) >= purity)]
    t, pval = stats.ttest_ind(host, other, equal_var=False, alternative="greater")
    return {"trace_ppm": p["trace_ppm"], "net_host": float(host.mean()),
            "net_other": float(other.mean()), "t": float(t), "p": float(pval),
            "detected": bool(pval < alpha)}


def detection_sweep(concentrations_ppm: Sequence[float],
                    random_state: int | np.random.Generator | None = None,
                    alpha: float = 1e-3, progress: bool = True, **cube_kwargs):
    """:func:`trace_detection_test` on one freshly generated EDS cube per concentration.

    Parameters
    ----------
    concentrations_ppm : sequence of float
        Trace mass fractions (ppm) to test, one cube each.
    random_state : int, numpy.random.Generator or None
        Cube ``i`` is generated with the integer seed ``s + i``, where
        ``s = runtime.check_random_int(random_state)`` (``None``: the course seed).
    alpha : float
        Significance level of each test.
    **cube_kwargs
        Passed to :func:`mlpc_helpers.synthetic.spectrum_images.make_eds_cube`.

    Returns
    -------
    pandas.DataFrame
        One row per concentration (columns of :func:`trace_detection_test`).
    """
    import pandas as pd

    from mlpc_helpers.runtime import progress_bar as tqdm

    from .synthetic.spectrum_images import make_eds_cube

    base = check_random_int(random_state)
    rows = []
    for i, c in enumerate(tqdm(list(concentrations_ppm), desc="trace sweep", disable=not progress)):
        cube = make_eds_cube(trace_ppm=float(c), random_state=base + i, **cube_kwargs)
        rows.append(trace_detection_test(cube, alpha=alpha))
    return pd.DataFrame(rows)


def detection_limit(sweep) -> float:
    """Lowest concentration from which every higher one in the sweep is detected (NaN if none)."""
    df = sweep.sort_values("trace_ppm")
    det = df["detected"].to_numpy()
    conc = df["trace_ppm"].to_numpy()
    ok = np.flatnonzero(~det)
    first = 0 if len(ok) == 0 else ok[-1] + 1
    return float(conc[first]) if first < len(conc) else float("nan")


# ------------------------------------------------------------------------- per-pixel Drude fit
def drude_fit(signal, pixels: np.ndarray | None = None, progress: bool = False) -> dict:
    """Fit a power-law zero-loss tail + Drude plasmon to each chosen pixel with HyperSpy.

    ``signal``: an EELS spectrum image (rows, cols | channels) in eV. ``pixels``: flat pixel
    indices to fit (default all). Uses ``hs.model.components1D.PowerLaw`` plus an
    ``Expression`` Drude component, ``multifit`` pixel by pixel. Returns ``Ep`` and ``gamma``
    (eV) per fitted pixel and the wall time in seconds (``seconds``, ``seconds_per_pixel``).
    """
    quiet_hyperspy()
    import hyperspy.api as hs

    from .synthetic.spectrum_images import drude_loss

    if not (hasattr(signal, "data") and hasattr(signal, "axes_manager")):
        raise MLPCInputError(
            f"signal: expected a HyperSpy Signal1D (EELS spectrum image in eV); got "
            f"{type(signal).__name__}. Wrap an array: hs.signals.Signal1D(data) and set "
            "s.axes_manager.signal_axes[0].offset/.scale to the energy axis.")
    data = np.asarray(signal.data)
    flat = check_spectra(data.reshape(-1, data.shape[-1]) if data.ndim >= 2 else data,
                         "signal.data")
    idx = np.arange(len(flat)) if pixels is None else np.asarray(pixels)
    if (idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer)
            or idx.max() >= len(flat) or idx.min() < 0):
        raise MLPCInputError(f"pixels must be flat indices in [0, {len(flat)}); got {idx!r}.")
    sub = hs.signals.Signal1D(flat[idx])
    ax_in, ax = signal.axes_manager.signal_axes[0], sub.axes_manager.signal_axes[0]
    ax.offset, ax.scale, ax.units = ax_in.offset, ax_in.scale, ax_in.units
    t0 = time.perf_counter()
    m = sub.create_model()
    tail = hs.model.components1D.PowerLaw()
    drude = hs.model.components1D.Expression(
        "A * x * G * Ep**2 / ((x**2 - Ep**2)**2 + (x * G)**2)", name="Drude",
        A=1.0, G=7.0, Ep=23.0)
    m.extend([tail, drude])
    e = ax.axis
    first = flat[idx[0]]
    tail.estimate_parameters(sub.inav[0], e[0], e[0] + 2.0, only_current=True)
    drude.Ep.value = float(e[np.argmax(first - tail.function(e))])
    drude.Ep.bmin, drude.Ep.bmax = e[0], e[-1]
    drude.G.bmin, drude.G.bmax = 0.5, 30.0
    drude.A.value = float(first.max() / drude_loss(drude.Ep.value, drude.Ep.value, 7.0))
    m.multifit(show_progressbar=progress)
    seconds = time.perf_counter() - t0
    return {"Ep": drude.Ep.map["values"].copy(), "gamma": drude.G.map["values"].copy(),
            "seconds": seconds, "seconds_per_pixel": seconds / len(idx), "pixels": idx}


# ----------------------------------------------------------------------------- exam-scale cube
def pca_minibatch_kmeans(X: np.ndarray, n_clusters: int = 3, n_components: int = 10,
                         fit_sample: int = 20000, batch_size: int = 4096,
                         random_state: int | np.random.Generator | None = None,
                         chunk: int = 65536, min_sum: float | None = None) -> dict:
    """Normalise spectra, PCA fitted on a random subsample, then MiniBatchKMeans on the scores.

    Rows with a near-zero or negative sum (:func:`near_zero_rows`; ``min_sum`` as there) are
    set to 0 before the PCA instead of being divided by their sum (a warning says how many);
    they usually form a cluster of their own.

    ``X``: (n_pixels, channels) counts. Returns ``labels`` (n_pixels,), ``seconds`` (wall time
    of the whole pipeline) and ``spectra_per_second``. Works in chunks of ``chunk`` pixels, so
    a 512 x 512 x 1024 cube needs only a few GB.
    """
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import PCA

    X = np.asarray(X)
    if X.ndim != 2:
        check_spectra(X, "X")  # raises the layout error with the fix
    t0 = time.perf_counter()
    # one check of the whole set, chunk by chunk (no float64 copy of a large cube)
    sums, sumsq = np.empty(len(X)), np.empty(len(X))
    for i in range(0, len(X), chunk):
        c = X[i:i + chunk].astype(np.float64)
        if not np.isfinite(c).all():
            rows = np.flatnonzero(~np.isfinite(c).all(axis=1)) + i
            raise MLPCInputError(
                f"X: spectrum {rows[0]} holds NaN or inf ({len(rows)} such rows in rows "
                f"{i}..{i + len(c) - 1}); drop or fill them (np.nan_to_num) first.")
        sums[i:i + chunk], sumsq[i:i + chunk] = c.sum(axis=1), (c**2).sum(axis=1)
    low, limit = _low_sum(sums, sumsq, min_sum)
    if low.any():
        _warn_low(low, limit, "pca_minibatch_kmeans")

    def norm(rows: slice | np.ndarray) -> np.ndarray:
        c = X[rows].astype(np.float64)
        s = sums[rows]
        out = c / np.where(s > 0, s, 1)[:, None]
        out[low[rows]] = 0.0
        return out

    random_state = check_random_int(random_state)
    rng = np.random.default_rng(random_state)
    sub = rng.choice(len(X), size=min(fit_sample, len(X)), replace=False)
    pca = PCA(n_components=n_components, random_state=random_state).fit(norm(sub))
    scores = np.concatenate([pca.transform(norm(slice(i, i + chunk)))
                             for i in range(0, len(X), chunk)])
    km = MiniBatchKMeans(n_clusters=n_clusters, batch_size=batch_size, n_init=3,
                         random_state=random_state).fit(scores)
    seconds = time.perf_counter() - t0
    return {"labels": km.labels_, "seconds": seconds, "spectra_per_second": len(X) / seconds,
            "explained_variance": float(pca.explained_variance_ratio_.sum())}
