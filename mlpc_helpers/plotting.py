"""Small plotting helpers shared by the notebooks (matplotlib only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


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
        raise ValueError("image_grid needs at least one image.")
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
