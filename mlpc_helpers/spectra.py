"""Spectra with their physics kept: EDS peak finding against Poisson noise, X-ray line
assignment from exspy's tables, denoisers and what they invent, cosine
matching of decomposition components to reference patterns, and XRD augmentation.

Conventions
-----------
- ``energy``: (n_channels,) channel energies in keV, ascending; ``counts``: (n_channels,)
  whole X-ray counts per channel (Poisson).
- Stacks of spectra or patterns are (n_spectra, n_channels): one row per spectrum.
- Peak tables are pandas DataFrames with ``energy_keV``, ``net_counts``, ``significance``.

Sources: SNIP background (Ryan et al. 1988, doi:10.1016/0168-583X(88)90063-8); detector
FWHM ∝ √(2.5 (E − 5.899 keV) + FWHM(Mn Kα)²) (Fiori & Newbury;
:func:`mlpc_helpers.xray.fwhm_at_energy`); line energies and weights from exspy's element
database (:func:`mlpc_helpers.xray.line_table`);
binomial thinning is exact for Poisson counts (:func:`mlpc_helpers.noise.binomial_thin`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .runtime import check_random_state
from .validation import MLPCInputError, check_axis, check_quantity
from .xray import fwhm_at_energy


def _spectrum(energy, counts) -> tuple[np.ndarray, np.ndarray]:
    e = np.asarray(energy, float)
    y = np.asarray(counts, float)
    if e.ndim != 1 or y.shape != e.shape:
        raise MLPCInputError(
            f"energy and counts must be 1-D of the same length; got {e.shape} and {y.shape}.")
    if not (np.isfinite(e).all() and np.isfinite(y).all()):
        raise MLPCInputError("energy and counts must be finite; fill or drop NaN channels.")
    if np.any(np.diff(e) <= 0):
        raise MLPCInputError("energy must increase channel by channel (keV, ascending); "
                             "flip both if it decreases: energy[::-1], counts[::-1].")
    # an axis in eV (EMSA/MSA files) is converted with a warning; channel numbers refused
    return check_axis(e, "energy", unit="keV", data="spectrum", plausible=True)[0], y


# ----------------------------------------------------------------------------- background
def snip_background(counts, n_iter: int = 24) -> np.ndarray:
    """SNIP background of a spectrum (Ryan et al. 1988), (n_channels,) in counts.

    The counts go through the LLS transform log(log(√(y+1)+1)+1), which compresses peaks;
    then each channel is replaced by min(v[i], (v[i-k] + v[i+k]) / 2) for window half-widths
    k = ``n_iter`` … 1 (decreasing), which erodes peaks narrower than about 2·``n_iter``
    channels while keeping the slowly varying bremsstrahlung. Choose ``n_iter`` near the
    widest peak's FWHM in channels.
    """
    y = np.asarray(counts, float)
    if y.ndim != 1 or n_iter < 1:
        raise MLPCInputError("snip_background: counts must be 1-D and n_iter >= 1.")
    v = np.log(np.log(np.sqrt(np.clip(y, 0, None) + 1) + 1) + 1)
    n = len(v)
    for k in range(int(n_iter), 0, -1):
        if 2 * k >= n:
            continue
        mid = 0.5 * (v[: n - 2 * k] + v[2 * k:])
        v[k: n - k] = np.minimum(v[k: n - k], mid)
    return (np.exp(np.exp(v) - 1) - 1) ** 2 - 1


def window_sum(x, width: int) -> np.ndarray:
    """Sum of ``x`` over a centred window of ``width`` channels (edges: shorter windows)."""
    x = np.asarray(x, float)
    w = max(1, int(width))
    c = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(len(x))
    lo = np.clip(i - w // 2, 0, len(x))
    hi = np.clip(i - w // 2 + w, 0, len(x))
    return c[hi] - c[lo]


# ----------------------------------------------------------------------------- peak finding
def find_eds_peaks(
    energy,
    counts,
    *,
    fwhm_mnka_ev: float = 130.0,
    n_sigma: float = 5.0,
    min_energy_kev: float = 0.15,
    background: np.ndarray | None = None,
    noise_counts: np.ndarray | None = None,
) -> pd.DataFrame:
    """Peaks of an EDS spectrum that rise above the background by ``n_sigma`` Poisson SDs.

    At each channel, N = counts summed over a window of one detector FWHM at that energy
    and B = the background summed over the same window. For Poisson counts the SD of N is
    √B where there is no peak, so the net counts N − B are divided by √B (the significance
    z). Peaks are the local maxima of N − B (``scipy.signal.find_peaks``) whose z exceeds
    ``n_sigma`` and whose prominence exceeds ``n_sigma``·√N (on a peak the counts
    fluctuate by √N, not √B: a lower bar splits strong peaks into noise maxima).

    Parameters
    ----------
    energy, counts : (n_channels,) keV and counts (may be a denoised, non-integer spectrum;
        the noise is then taken from the raw counts given in ``noise_counts``).
    fwhm_mnka_ev : detector resolution at Mn Kα (eV), e.g. the file's metadata.
    n_sigma : detection threshold in Poisson SDs.
    min_energy_kev : ignore the noise peak below this energy.
    background : (n_channels,) background in counts; default :func:`snip_background` of the
        spectrum smoothed by a Gaussian of one FWHM (SNIP takes minima: on raw counts it
        follows the downward noise and lies below the true background).
    noise_counts : (n_channels,) raw counts whose Poisson noise applies (default:
        ``counts``): √B from their SNIP background, √N from themselves.

    Returns
    -------
    DataFrame, one row per peak, sorted by energy: ``channel``, ``energy_keV`` (parabolic
    interpolation of the net maximum), ``net_counts`` (N − B over one FWHM),
    ``significance`` (z), ``fwhm_keV``.
    """
    from scipy.signal import find_peaks

    e, y = _spectrum(energy, counts)
    fwhm_mnka_ev = check_quantity(fwhm_mnka_ev, "fwhm_mnka_ev", "fwhm_eV")
    step = float(np.median(np.diff(e)))
    fwhm = fwhm_at_energy(np.clip(e, 0.1, None), fwhm_mnka_ev)
    width = int(np.clip(np.round(np.median(fwhm[e > min_energy_kev]) / step), 3, None))
    from scipy.ndimage import gaussian_filter1d

    def _bg(x):  # SNIP on a lightly smoothed copy: on raw noise it sits too low
        return snip_background(gaussian_filter1d(np.asarray(x, float), width / 2.355),
                               n_iter=2 * width)

    bg = np.clip(np.asarray(_bg(y) if background is None else background, float), 0, None)
    raw = y if noise_counts is None else np.clip(np.asarray(noise_counts, float), 0, None)
    raw_bg = bg if noise_counts is None else np.clip(_bg(raw), 0, None)
    net = window_sum(y - bg, width)
    sd_b = np.sqrt(window_sum(raw_bg, width) + 1.0)  # no peak: SD of N is sqrt(B)
    sd_n = np.sqrt(window_sum(np.clip(raw, 0, None), width) + 1.0)  # on a peak: sqrt(N)
    z = net / sd_b
    idx, _ = find_peaks(net, prominence=n_sigma * sd_n, height=n_sigma * sd_b)
    idx = idx[e[idx] >= min_energy_kev]
    pos = e[idx].copy()
    inner = (idx > 0) & (idx < len(e) - 1)
    i = idx[inner]
    a, b, c = net[i - 1], net[i], net[i + 1]
    den = a - 2 * b + c
    shift = np.where(den < 0, 0.5 * (a - c) / np.where(den == 0, 1, den), 0.0)
    pos[inner] = e[i] + np.clip(shift, -0.5, 0.5) * step
    return pd.DataFrame({"channel": idx, "energy_keV": pos, "net_counts": net[idx],
                         "significance": z[idx], "fwhm_keV": fwhm[idx]})


# ----------------------------------------------------------------------------- X-ray lines


#: Si Kα energy (keV): escape peaks of a Si detector sit this far below their parent.
SI_ESCAPE_KEV = 1.740


def artefact_peaks(peaks: pd.DataFrame, *, tolerance: float = 0.5,
                   parent_ratio: float = 15.0) -> pd.Series:
    """Which peaks are detector artefacts rather than elements (bool Series, peak order).

    *Escape peak*: a peak at E_parent − 1.740 keV (a Si Kα photon left a Si detector) whose
    parent is at least ``parent_ratio`` times larger. *Sum (pile-up) peak*: a peak at
    E_a + E_b of two detected peaks each at least ``parent_ratio`` times larger (two photons
    arrived within the pulse-pair resolution time). Tolerance: ``tolerance`` × FWHM.
    """
    e = peaks["energy_keV"].to_numpy()
    a = peaks["net_counts"].to_numpy()
    tol = tolerance * peaks["fwhm_keV"].to_numpy()
    out = np.zeros(len(e), bool)
    for i in range(len(e)):
        strong = a >= parent_ratio * max(a[i], 1.0)
        esc = strong & (np.abs(e - SI_ESCAPE_KEV - e[i]) <= tol[i])
        s2 = np.abs(e[:, None] + e[None, :] - e[i]) <= tol[i]
        pile = s2 & strong[:, None] & strong[None, :]
        out[i] = bool(esc.any() or pile.any())
    return pd.Series(out, index=peaks.index, name="artefact")


def identify_elements(
    peaks: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    tolerance: float = 0.75,
    major_weight: float = 0.5,
    check_above_kev: float = 1.0,
) -> tuple[list[str], pd.DataFrame]:
    """Greedy assignment of peaks to elements with their whole line families.

    A line *explains* a peak when |E_peak − E_line| ≤ ``tolerance`` × the peak's FWHM. Each
    round picks the element with the best score = (net counts of the still unexplained
    peaks its strong lines, weight ≥ ``major_weight``, explain) / (all net counts), minus one per *major* line (weight ≥
    ``major_weight``, energy ≥ ``check_above_kev``) of the element that no peak explains:
    an element whose strong lines are missing is not there. Lines below
    ``check_above_kev`` are not demanded: soft X-rays are absorbed in the specimen and the
    detector window, so their absence proves little. Peaks marked ``artefact`` (column,
    see :func:`artefact_peaks`) are never assigned. Elements must explain at least one peak with a
    principal (α) line. Stops when no element has a positive score.

    Returns (elements in the order chosen, per-peak table with ``element`` and ``line``,
    empty strings for peaks left unexplained).
    """
    if peaks.empty:
        return [], peaks.assign(element="", line="")
    pe = peaks["energy_keV"].to_numpy()
    tol = tolerance * peaks["fwhm_keV"].to_numpy()
    area = np.clip(peaks["net_counts"].to_numpy(), 0, None)
    if "artefact" in peaks:
        area = np.where(peaks["artefact"].to_numpy(bool), 0.0, area)
    total = area.sum() or 1.0
    hit = np.abs(lines["energy_keV"].to_numpy()[:, None] - pe[None, :]) <= tol[None, :]
    hit &= area[None, :] > 0
    el_names = lines["element"].to_numpy()
    explained = np.zeros(len(pe), bool)
    element_of = np.array([""] * len(pe), dtype=object)
    line_of = np.array([""] * len(pe), dtype=object)
    chosen: list[str] = []
    candidates = sorted(set(el_names[hit.any(axis=1) & lines["principal"].to_numpy()]))
    while candidates:
        best, best_score = None, 0.0
        for el in candidates:
            rows = el_names == el
            strong = rows & (lines["weight"].to_numpy() >= major_weight)
            covered = hit[strong].any(axis=0)
            gain = area[covered & ~explained].sum() / total
            major = rows & (lines["weight"].to_numpy() >= major_weight) & (
                lines["energy_keV"].to_numpy() >= check_above_kev)
            missing = int((~hit[major].any(axis=1)).sum())
            d = np.abs(lines["energy_keV"].to_numpy()[rows][:, None] - pe[None, :])
            fit = np.where(hit[rows], d / tol[None, :], np.inf).min(axis=0)
            closeness = float(np.mean(fit[np.isfinite(fit)])) if np.isfinite(fit).any() else 1
            score = gain - missing - 1e-3 * closeness  # ties: the closer lines win
            if score > best_score:
                best, best_score = el, score
        if best is None:
            break
        rows = np.flatnonzero(el_names == best)
        for j in np.flatnonzero(hit[rows].any(axis=0) & ~explained):
            k = rows[np.argmin(np.where(hit[rows, j], np.abs(
                lines["energy_keV"].to_numpy()[rows] - pe[j]), np.inf))]
            element_of[j], line_of[j] = best, lines["line"].iloc[k]
        explained |= hit[rows].any(axis=0)
        chosen.append(best)
        candidates.remove(best)
    return chosen, peaks.assign(element=element_of, line=line_of)


# ----------------------------------------------------------------------------- dose and noise
def split_counts(counts, n: int, random_state=None) -> np.ndarray:
    """Split measured counts into ``n`` acquisitions of 1/n of the dose, (n, n_channels).

    Each channel's N counts go to the n parts multinomially with equal probabilities. For
    Poisson N(λ) the parts are *independent* Poisson(λ/n) spectra that add up to the
    measurement — n shorter acquisitions of the same specimen, exactly.
    """
    c = np.asarray(counts)
    if c.ndim != 1 or np.any(c < 0) or not np.all(c == np.round(c)):
        raise MLPCInputError("counts must be 1-D whole non-negative counts.")
    if int(n) < 1:
        raise MLPCInputError(f"n must be >= 1; got {n}.")
    rng = check_random_state(random_state)
    p = np.full(int(n), 1.0 / int(n))
    return np.stack([rng.multinomial(int(k), p) for k in c.astype(np.int64)], axis=1)


def denoise_savgol(counts, window: int = 11, order: int = 2) -> np.ndarray:
    """Savitzky–Golay smoothing (local polynomial least squares; Savitzky & Golay 1964)."""
    from scipy.signal import savgol_filter

    return savgol_filter(np.asarray(counts, float), int(window) | 1, int(order), axis=-1)


def have_pywt() -> bool:
    """Whether PyWavelets is installed (wavelet denoising needs it)."""
    try:
        import pywt  # noqa: F401
    except ImportError:
        return False
    return True


def denoise_wavelet(counts, wavelet: str = "sym8", level: int | None = None) -> np.ndarray:
    """Wavelet shrinkage of Poisson counts: Anscombe transform, soft universal threshold
    σ√(2 ln n) on the detail coefficients (Donoho & Johnstone 1994), inverse transform.

    σ = 1 after the Anscombe transform, whatever the count level. Needs PyWavelets.
    """
    import pywt

    from .noise import anscombe, anscombe_inverse

    y = np.clip(np.asarray(counts, float), 0, None)
    a = anscombe(np.round(y).astype(np.int64))
    coeffs = pywt.wavedec(a, wavelet, level=level, mode="symmetric")
    thr = np.sqrt(2 * np.log(a.size))
    coeffs = [coeffs[0]] + [pywt.threshold(d, thr, mode="soft") for d in coeffs[1:]]
    out = pywt.waverec(coeffs, wavelet, mode="symmetric")[: a.size]
    return anscombe_inverse(np.clip(out, 2 * np.sqrt(3 / 8), None))


def denoise_pca(stack, n_components: int = 1) -> np.ndarray:
    """PCA across spectra: keep ``n_components`` of the stack (n_spectra, n_channels).

    Works on √counts (noise of equal variance everywhere) and squares back. Denoises by
    sharing information between spectra: only valid when the spectra are mixtures of few
    components (pixels of a spectrum image, repeated acquisitions).
    """
    from sklearn.decomposition import PCA

    x = np.sqrt(np.clip(np.asarray(stack, float), 0, None))
    if x.ndim != 2 or x.shape[0] <= n_components:
        raise MLPCInputError(
            f"stack must be (n_spectra, n_channels) with n_spectra > n_components; got {x.shape}.")
    pca = PCA(n_components=n_components, svd_solver="full").fit(x)
    return np.clip(pca.inverse_transform(pca.transform(x)), 0, None) ** 2


def compare_peaks(reference: pd.DataFrame, test: pd.DataFrame,
                  tolerance: float = 0.5) -> dict[str, float]:
    """What a processed spectrum keeps, invents and removes, against reference peaks.

    A test peak matches a reference peak within ``tolerance`` × the reference FWHM (nearest
    first, one-to-one). Returns ``n_matched``, ``n_false`` (invented), ``n_missed``
    (removed), ``position_error_eV`` (mean |ΔE| of matches) and ``area_ratio`` (median
    net-count ratio test/reference of matches; scale the test spectrum to the reference
    dose first).
    """
    r = reference["energy_keV"].to_numpy()
    t = test["energy_keV"].to_numpy()
    tol = tolerance * reference["fwhm_keV"].to_numpy()
    used = np.zeros(len(t), bool)
    pairs = []
    for i in np.argsort(-reference["net_counts"].to_numpy()):
        if not len(t):
            break
        d = np.where(used, np.inf, np.abs(t - r[i]))
        j = int(np.argmin(d))
        if d[j] <= tol[i]:
            used[j] = True
            pairs.append((i, j))
    ri = np.array([p[0] for p in pairs], int)
    ti = np.array([p[1] for p in pairs], int)
    ratio = (test["net_counts"].to_numpy()[ti] / reference["net_counts"].to_numpy()[ri]
             if pairs else np.array([np.nan]))
    return {"n_matched": float(len(pairs)), "n_false": float(len(t) - len(pairs)),
            "n_missed": float(len(r) - len(pairs)),
            "position_error_eV": float(1e3 * np.abs(t[ti] - r[ri]).mean()) if pairs
            else float("nan"),
            "area_ratio": float(np.median(ratio))}


# ----------------------------------------------------------------------------- components
def cosine_matrix(a, b) -> np.ndarray:
    """Cosine similarity (n_a, n_b) between rows of ``a`` (n_a, n) and rows of ``b``."""
    a = np.atleast_2d(np.asarray(a, float))
    b = np.atleast_2d(np.asarray(b, float))
    if a.shape[1] != b.shape[1]:
        raise MLPCInputError(f"a and b need the same number of columns (one channel axis); got "
                             f"{a.shape}, {b.shape}. Spectra on another grid: resample them "
                             "onto one axis first, np.interp(axis_a, axis_b, row) per row.")
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    return (a / np.where(na == 0, 1, na)) @ (b / np.where(nb == 0, 1, nb)).T


def match_to_references(components, references, names: Sequence[str]) -> pd.DataFrame:
    """Best reference (by cosine similarity) of each component row; (n_components, 3)
    table of ``reference``, ``cosine`` and ``runner_up_cosine`` (the next best)."""
    s = cosine_matrix(components, references)
    order = np.argsort(-s, axis=1)
    names = np.asarray(names)
    return pd.DataFrame({"reference": names[order[:, 0]],
                         "cosine": s[np.arange(len(s)), order[:, 0]],
                         "runner_up_cosine": s[np.arange(len(s)), order[:, 1]]
                         if s.shape[1] > 1 else np.nan})


def rank_at_noise(rss: Sequence[float], ks: Sequence[int], noise: float) -> int:
    """Smallest number of components k whose residual sum of squares reaches the noise.

    For Poisson counts the expected squared residual of a perfect model is Σ counts
    (variance = mean), so a k with RSS ≤ ``noise`` = Σ counts explains everything but
    the counting noise; more components would fit noise. Returns the largest k if none
    reaches it.
    """
    r = np.asarray(rss, float)
    ks = list(ks)
    if len(r) != len(ks) or not len(r):
        raise MLPCInputError("rss and ks need the same, non-zero length.")
    ok = np.flatnonzero(r <= noise)
    return int(ks[ok[0]]) if len(ok) else int(ks[-1])


# ----------------------------------------------------------------------------- XRD augmentation
def augment_patterns(patterns, n: int, *, tth, max_shift: int = 10,
                     max_sigma: float = 3.0, random_state=None) -> np.ndarray:
    """``n`` augmented copies of patterns (n_patterns, n_points), maximum 1 per row.

    Each copy: a random pattern, a 2θ zero shift of a whole number of grid steps up to
    ±``max_shift`` (:func:`mlpc_helpers.xrd.shift_pattern` on the grid ``tth``, in degrees;
    edge values repeated), Gaussian broadening with σ up to ``max_sigma`` steps (smaller
    crystallites, another instrument) and an intensity rescale to maximum 1.
    """
    from scipy.ndimage import gaussian_filter1d

    from .xrd import shift_pattern

    x = np.atleast_2d(np.asarray(patterns, float))
    t, _ = check_axis(tth, "tth", n=x.shape[1], plausible=True)
    step = float(np.median(np.abs(np.diff(t))))
    rng = check_random_state(random_state)
    out = np.empty((int(n), x.shape[1]))
    for i in range(int(n)):
        y = x[rng.integers(len(x))]
        s = int(rng.integers(-max_shift, max_shift + 1))
        if s:
            y = shift_pattern(y, tth, s * step)
        sig = rng.uniform(0, max_sigma)
        if sig > 0.3:
            y = gaussian_filter1d(y, sig, mode="nearest")
        out[i] = y / max(y.max(), 1e-12)
    return out.astype(np.float32)
