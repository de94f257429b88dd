"""Unit tests of mlpc_helpers.lpbf (energy density, replicates, P–v grid) on tiny frames."""

import numpy as np
import pandas as pd
import pytest

from mlpc_helpers import lpbf


def _frame():
    base = dict(material="316L", hatch_mm=0.1, layer_mm=0.03, spot_mm=0.07, d50_um=30.0)
    rows = [
        dict(power_W=200, speed_mm_per_s=800, relative_density_pct=99.0, doi="a"),
        dict(power_W=200, speed_mm_per_s=800, relative_density_pct=97.0, doi="a"),
        dict(power_W=200, speed_mm_per_s=800, relative_density_pct=90.0, doi="b"),
        dict(power_W=100, speed_mm_per_s=1600, relative_density_pct=95.0, doi="a"),
        dict(power_W=100, speed_mm_per_s=1600, relative_density_pct=96.0, doi="a"),
        dict(power_W=100, speed_mm_per_s=1600, relative_density_pct=97.0, doi="a"),
        dict(power_W=300, speed_mm_per_s=400, relative_density_pct=99.9, doi="c"),
    ]
    return pd.DataFrame([base | r for r in rows])


def test_energy_density_and_build_rate():
    ev = lpbf.volumetric_energy_density(200, 800, 0.1, 0.03)
    assert ev == pytest.approx(200 / (800 * 0.1 * 0.03))  # 83.3 J/mm³
    assert lpbf.build_rate([800, 400], 0.1, 0.03) == pytest.approx([2.4, 1.2])
    with pytest.raises(ValueError, match="speed_mm_per_s"):
        lpbf.volumetric_energy_density(200, 0, 0.1, 0.03)


def test_replicate_groups_within_and_across_sources():
    df = _frame()
    groups = lpbf.replicate_groups(df)
    assert sorted(groups.n) == [2, 3]  # (200, 800, a) and (100, 1600, a)
    g2 = groups[groups.n == 2].iloc[0]
    assert g2.sd_pct == pytest.approx(np.std([99.0, 97.0], ddof=1))
    assert g2.range_pct == pytest.approx(2.0)
    across = lpbf.replicate_groups(df, within_source=False)
    assert sorted(across.n) == [3, 3]
    with pytest.raises(ValueError, match="min_size"):
        lpbf.replicate_groups(df, min_size=1)
    with pytest.raises(ValueError, match="lacks the columns"):
        lpbf.replicate_groups(df.drop(columns="doi"))


def test_pooled_replicate_sd():
    df = _frame()
    # groups: sd² = 2 (n = 2), sd² = 1 (n = 3): pooled = sqrt((1*2 + 2*1) / 3)
    assert lpbf.pooled_replicate_sd(df) == pytest.approx(np.sqrt(4 / 3))
    assert np.isnan(lpbf.pooled_replicate_sd(df.iloc[[0, 3, 6]]))


def test_pv_grid_layout_and_typical_values():
    df = _frame()
    power, speed, grid = lpbf.pv_grid(df, "316L", n_power=4, n_speed=3)
    assert power[0] == pytest.approx(100) and power[-1] == pytest.approx(300)
    assert speed[0] == pytest.approx(400) and speed[-1] == pytest.approx(1600)
    assert list(grid.columns[:6]) == list(lpbf.PROCESS_COLUMNS)
    assert len(grid) == 12
    assert grid.power_W.to_numpy().reshape(3, 4)[1] == pytest.approx(power)
    assert grid.speed_mm_per_s.to_numpy().reshape(3, 4)[:, 0] == pytest.approx(speed)
    assert (grid.hatch_mm == 0.1).all()
    _, _, g2 = lpbf.pv_grid(df, n_power=2, n_speed=2, log=False, margin=0.25, hatch_mm=0.05)
    assert g2.power_W.min() == pytest.approx(50.0) and (g2.hatch_mm == 0.05).all()
    assert g2.energy_J_per_mm3.iloc[-1] == pytest.approx(
        g2.power_W.iloc[-1] / (g2.speed_mm_per_s.iloc[-1] * 0.05 * 0.03))
    with pytest.raises(ValueError, match="no rows"):
        lpbf.pv_grid(df, "IN718")
    with pytest.raises(ValueError, match="unknown fixed"):
        lpbf.pv_grid(df, speed=3)
