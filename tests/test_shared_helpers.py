"""Shared helpers used by several notebooks: SmallCNN, clustering scans, metrics, GRF fields."""

import numpy as np
import pytest
import torch

from mlpc_helpers import clustering, metrics
from mlpc_helpers.models import SmallCNN
from mlpc_helpers.synthetic import microstructure


def test_small_cnn_shapes():
    m = SmallCNN(n_outputs=6)
    out = m(torch.zeros(2, 1, 64, 64))
    assert out.shape == (2, 6)
    assert m.embed(torch.zeros(2, 1, 64, 64)).shape == (2, 128)
    with pytest.raises(ValueError, match="expects"):
        m(torch.zeros(1, 64, 64))


def test_clustering_scores_of_three_blobs():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=300, centers=[[0, 0], [8, 0], [0, 8]], cluster_std=1.0,
                      random_state=0)
    s = clustering.score(y, y)
    assert s == {"ari": 1.0, "nmi": 1.0}
    assert clustering.contingency(y, y, ["a", "b", "c"]).shape == (3, 3)
    assert clustering.score(y, (y + 1) % 3)["ari"] == 1.0  # cluster ids do not matter
    with pytest.raises(ValueError, match="n_samples, n_features|X"):
        clustering.mean_silhouettes(np.zeros(5), [np.zeros(5, int)])


def test_metrics():
    a = np.zeros((16, 16))
    b = a + 0.1
    assert metrics.psnr(a, b) == pytest.approx(20.0)
    assert metrics.ssim(a, a) == pytest.approx(1.0)
    s = metrics.classification_summary([0, 1, 1], [0, 1, 0])
    assert s["accuracy"] == pytest.approx(2 / 3) and s["confusion"].shape == (2, 2)
    with pytest.raises(ValueError, match="differ in shape"):
        metrics.psnr(a, np.zeros(3))


@pytest.mark.parametrize("vf", [0.1, 0.3, 0.5])
def test_two_phase_volume_fraction_and_seed(vf):
    m = microstructure.two_phase((64, 64), vf, 3.0, random_state=1)
    assert m.dtype == bool and abs(m.mean() - vf) < 1 / 64**2 + 1e-9
    np.testing.assert_array_equal(m, microstructure.two_phase((64, 64), vf, 3.0, random_state=1))
    assert not np.array_equal(m, microstructure.two_phase((64, 64), vf, 3.0, random_state=2))


def test_anisotropy_elongates_along_x():
    m = microstructure.two_phase((128, 128), 0.4, (2.0, 10.0), random_state=0).astype(float)
    # correlation one pixel along x stays higher than one pixel along y
    cx = np.corrcoef(m[:, :-4].ravel(), m[:, 4:].ravel())[0, 1]
    cy = np.corrcoef(m[:-4].ravel(), m[4:].ravel())[0, 1]
    assert cx > cy + 0.2
    with pytest.raises(ValueError, match="volume_fraction"):
        microstructure.two_phase(volume_fraction=1.5)
