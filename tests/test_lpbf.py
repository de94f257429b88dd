"""Unit tests of mlpc_helpers.lpbf on tiny frames: energy density, replicates, P–v grid,
alloy table, dimensionless numbers and the density models (target, constraints, booster)."""

import numpy as np
import pandas as pd
import pytest

from mlpc_helpers import lpbf
from mlpc_helpers.validation import MLPCInputError


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


def _random_frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    f = pd.DataFrame({
        "material": rng.choice(["316L", "IN718"], n),
        "power_W": rng.uniform(100, 300, n),
        "speed_mm_per_s": rng.uniform(400, 1600, n),
        "hatch_mm": rng.uniform(0.06, 0.14, n),
        "layer_mm": rng.choice([0.02, 0.03, 0.04], n),
        "spot_mm": 0.08,
        "d50_um": 30.0,
        "doi": rng.choice(list("abcdef"), n),
    })
    ev = lpbf.volumetric_energy_density(f.power_W, f.speed_mm_per_s, f.hatch_mm, f.layer_mm)
    f["relative_density_pct"] = np.clip(100 - 400 / ev - 20 * f.hatch_mm, 50, 100)
    return f


def test_property_table_has_every_alloy_and_a_source():
    assert set(lpbf.ALLOY_PROPERTIES.index) == set(lpbf.PROPERTY_SOURCES)
    assert (lpbf.ALLOY_PROPERTIES > 0).all().all()
    # 316L: 7900 kg/m³ · 470 J/(kg K) · (1673.15 - 293.15) K = 5.12 J/mm³
    assert lpbf.melting_enthalpy("316L")[0] == pytest.approx(7900 * 470 * 1380 * 1e-9)
    assert lpbf.thermal_diffusivity("316L")[0] == pytest.approx(15 / (7900 * 470) * 1e6)
    with pytest.raises(MLPCInputError, match="no properties"):
        lpbf.melting_enthalpy("unobtainium")


def test_normalised_quantities():
    ev = lpbf.volumetric_energy_density(200, 800, 0.1, 0.03)
    e_star = lpbf.normalised_energy_density(200, 800, 0.1, 0.03, "316L", absorptivity=0.5)
    assert e_star[0] == pytest.approx(0.5 * ev / (2 * lpbf.melting_enthalpy("316L")[0]))
    dh = lpbf.normalised_enthalpy(200, 800, 0.08, "316L")
    hs, d, a = lpbf.melting_enthalpy("316L")[0], lpbf.thermal_diffusivity("316L")[0], 0.04
    assert dh[0] == pytest.approx(200 / (hs * np.sqrt(np.pi * d * 800 * a**3)))
    # twice the power, twice the normalised enthalpy; four times the speed, half of it
    assert lpbf.normalised_enthalpy(400, 800, 0.08, "316L")[0] == pytest.approx(2 * dh[0])
    assert lpbf.normalised_enthalpy(200, 3200, 0.08, "316L")[0] == pytest.approx(dh[0] / 2)
    with pytest.raises(MLPCInputError, match="absorptivity"):
        lpbf.normalised_enthalpy(200, 800, 0.08, "316L", absorptivity=1.5)


def test_features_shapes_and_one_hot():
    f = _random_frame()
    for kind, cols in lpbf.FEATURE_SETS.items():
        X = lpbf.features(f, kind)
        assert list(X.columns) == list(cols) and len(X) == len(f)
        assert np.isfinite(X.to_numpy()).all()
    X = lpbf.features(f, "raw", alloys=["316L", "AlSi10Mg"])
    assert X["alloy=316L"].sum() == (f.material == "316L").sum()
    assert X["alloy=AlSi10Mg"].sum() == 0
    with pytest.raises(MLPCInputError, match="kind"):
        lpbf.features(f, "magic")


def test_log_porosity_round_trip_and_bound():
    rd = np.array([50.0, 99.0, 100.0])
    z = lpbf.to_log_porosity(rd, floor_pct=0.05)
    back = lpbf.from_log_porosity(z)
    assert back[:2] == pytest.approx(rd[:2])
    assert back[2] == pytest.approx(99.95)
    assert np.all(lpbf.from_log_porosity(np.linspace(-20, 5, 50)) < 100)
    with pytest.raises(MLPCInputError, match="<= 100"):
        lpbf.to_log_porosity([100.5])
    with pytest.raises(MLPCInputError, match="floor_pct"):
        lpbf.to_log_porosity([99.0], floor_pct=0)


def test_monotone_constraints_signs():
    cols = ["a", "b", "c"]
    assert lpbf.monotone_constraints(cols, {"b": -1}) == [0, -1, 0]
    assert lpbf.monotone_constraints(cols, {"b": -1}, target="log_porosity") == [0, 1, 0]
    with pytest.raises(MLPCInputError, match="not among"):
        lpbf.monotone_constraints(cols, {"z": 1})
    with pytest.raises(MLPCInputError, match="target"):
        lpbf.monotone_constraints(cols, {"b": 1}, target="porosity")


def test_bounded_monotone_model_obeys_its_constraints():
    from sklearn.compose import TransformedTargetRegressor

    f = _random_frame(n=120)
    X = lpbf.features(f, "properties")
    cst = lpbf.monotone_constraints(list(X.columns), {"log10_hatch_mm": -1},
                                    target="log_porosity")
    model = TransformedTargetRegressor(
        regressor=lpbf.make_hgb(cst, max_iter=30, random_state=0),
        func=lpbf.to_log_porosity, inverse_func=lpbf.from_log_porosity,
        check_inverse=False)
    model.fit(X, f.relative_density_pct)
    assert np.all(model.predict(X) < 100)
    assert lpbf.trend_violations(model, X, "log10_hatch_mm", -1, tol=1e-9) == 0.0
    with pytest.raises(MLPCInputError, match="not an input"):
        lpbf.trend_violations(model, X, "hatch", -1)
    with pytest.raises(MLPCInputError, match="density_direction"):
        lpbf.trend_violations(model, X, "log10_hatch_mm", 0)
