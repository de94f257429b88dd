"""Small plotting helpers shared by the notebooks (matplotlib only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .validation import MLPCInputError


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    ncols: int = 6,
    pixel_size: float | None = None,
    unit: str = "px",
    cmap: str = "gray",
    size: float = 2.0,
    suptitle: str | None = None,
):
    """Show images on a grid; returns the figure.

    Axes are labelled in ``unit`` (pixels by default, or physical units when ``pixel_size``,
    the edge length of one pixel in ``unit``, is given) on the outer row and column.
    """
    import matplotlib.pyplot as plt

    images = list(images)
    if not images:
        raise MLPCInputError("images: image_grid got no image; pass a non-empty stack (n, H, W).")
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3),
                             squeeze=False, constrained_layout=True)
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.axis("off")
            continue
        img = np.asarray(images[k])
        h, w = img.shape[:2]
        scale = pixel_size or 1.0
        ax.imshow(img, cmap=cmap if img.ndim == 2 else None, extent=(0, w * scale, h * scale, 0))
        if titles is not None:
            ax.set_title(titles[k], fontsize=9)
        r, c = divmod(k, ncols)
        if r == nrows - 1 or k + ncols >= n:
            ax.set_xlabel(f"x ({unit})", fontsize=8)
        else:
            ax.set_xticklabels([])
        if c == 0:
            ax.set_ylabel(f"y ({unit})", fontsize=8)
        else:
            ax.set_yticklabels([])
        ax.tick_params(labelsize=7)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def cluster_map(
    xy: np.ndarray,
    labels: np.ndarray,
    *,
    centers: np.ndarray | None = None,
    annotations: Sequence[str] | None = None,
    ax=None,
    title: str | None = None,
    xlabel: str = "PC 1 (standardised units)",
    ylabel: str = "PC 2 (standardised units)",
    size: float = 4.0,
):
    """Scatter of 2-D points ``xy`` (n, 2) coloured by cluster ``labels`` (n,); returns the axes.

    ``centers`` (k, 2): cluster centres drawn as stars; ``annotations`` (k,): a text placed at
    each centre (e.g. the cluster's most common dominant element), prefixed with the cluster id.
    """
    import matplotlib.pyplot as plt

    xy, labels = np.asarray(xy), np.asarray(labels)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != len(labels):
        raise MLPCInputError(f"xy must be (n, 2) with one label per row; got {xy.shape} and "
                             f"{labels.shape}. Pass e.g. pca_scores[:, :2] and kmeans.labels_.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5), constrained_layout=True)
    ks = np.unique(labels)
    cmap = plt.get_cmap("tab20" if len(ks) > 10 else "tab10")
    for i, k in enumerate(ks):
        sel = labels == k
        ax.scatter(xy[sel, 0], xy[sel, 1], s=size, alpha=0.5, color=cmap(i % cmap.N), lw=0)
    if centers is not None:
        centers = np.asarray(centers)
        ax.scatter(centers[:, 0], centers[:, 1], marker="*", s=220, c="k", edgecolors="w",
                   linewidths=0.8, zorder=3)
        for i, (cx, cy) in enumerate(centers):
            text = f"{i}" if annotations is None else f"{i}: {annotations[i]}"
            ax.annotate(text, (cx, cy), xytext=(4, 4), textcoords="offset points", fontsize=8,
                        weight="bold", bbox=dict(boxstyle="round,pad=0.15", fc="w", alpha=0.7))
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if title:
        ax.set_title(title)
    return ax


def show_map(ax, image: np.ndarray, pixel_um: float, title: str, **imshow_kw):
    """Draw a (rows, cols) map on ``ax`` with axes in µm and a title; returns the image."""
    h, w = np.asarray(image).shape[:2]
    im = ax.imshow(image, extent=(0, w * pixel_um, h * pixel_um, 0), **imshow_kw)
    ax.set(xlabel="x (µm)", ylabel="y (µm)", title=title)
    return im


def phase_legend(ax, names: Sequence[str], colors: Sequence[str], **legend_kw):
    """Add a legend of coloured patches (one per phase) to a phase map on ``ax``."""
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=n) for n, c in zip(names, colors, strict=True)]
    legend_kw.setdefault("fontsize", 8)
    legend_kw.setdefault("loc", "lower right")
    return ax.legend(handles=handles, **legend_kw)
