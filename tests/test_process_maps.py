"""Unit tests of mlpc_helpers.process_maps on tiny frames (no dataset, no long fits)."""

import numpy as np
import pandas as pd
import pytest

from mlpc_helpers import lpbf
from mlpc_helpers import process_maps as pm
from mlpc_helpers.validation import MLPCInputError


def _frame(n=60, seed=0):
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
    f = _frame()
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
    z = pm.to_log_porosity(rd, floor_pct=0.05)
    back = pm.from_log_porosity(z)
    assert back[:2] == pytest.approx(rd[:2])
    assert back[2] == pytest.approx(99.95)
    assert np.all(pm.from_log_porosity(np.linspace(-20, 5, 50)) < 100)
    with pytest.raises(MLPCInputError, match="<= 100"):
        pm.to_log_porosity([100.5])


def test_monotone_constraints_signs():
    cols = ["a", "b", "c"]
    assert pm.monotone_constraints(cols, {"b": -1}) == [0, -1, 0]
    assert pm.monotone_constraints(cols, {"b": -1}, target="log_porosity") == [0, 1, 0]
    with pytest.raises(MLPCInputError, match="not among"):
        pm.monotone_constraints(cols, {"z": 1})


def test_bounded_monotone_model_obeys_its_constraints():
    f = _frame(n=120)
    X = lpbf.features(f, "properties")
    cst = pm.monotone_constraints(list(X.columns), {"log10_hatch_mm": -1},
                                  target="log_porosity")
    model = pm.bounded(pm.make_hgb(cst, max_iter=30, random_state=0))
    model.fit(X, f.relative_density_pct)
    assert np.all(model.predict(X) < 100)
    assert pm.trend_violations(model, X, "log10_hatch_mm", -1, tol=1e-9) == 0.0


def test_paper_bootstrap_and_ensemble_predict():
    f = _frame(n=80)
    X = lpbf.features(f, "raw")
    members = pm.paper_bootstrap(lambda: pm.make_hgb(max_iter=10), X,
                                 f.relative_density_pct, f.doi, n_members=3,
                                 random_state=1)
    ens = pm.ensemble_predict(members, X.iloc[:5])
    assert ens.shape == (3, 5)
    again = pm.ensemble_predict(pm.paper_bootstrap(
        lambda: pm.make_hgb(max_iter=10), X, f.relative_density_pct, f.doi,
        n_members=3, random_state=1), X.iloc[:5])
    assert np.allclose(ens, again)
    with pytest.raises(MLPCInputError, match="n_members"):
        pm.paper_bootstrap(lambda: pm.make_hgb(), X, f.relative_density_pct, f.doi,
                           n_members=1)


def test_support_window_and_inverse():
    data_xy = np.array([[0.0, 0.0], [0.05, 0.0], [0.0, 0.05], [5.0, 5.0]])
    query = np.array([[0.0, 0.0], [5.0, 5.0], [2.0, 2.0]])
    assert pm.data_support(query, data_xy, radius=0.1, min_count=3).tolist() == [
        True, False, False]
    assert pm.window_area_fraction([99.0, 99.6, 99.5, 98.0], 99.5) == 0.5
    grid = pd.DataFrame({"power_W": [100, 200, 300], "speed_mm_per_s": [500, 1000, 800],
                         "build_rate_mm3_per_s": [1.0, 3.0, 2.0]})
    out = pm.inverse_candidates(grid, [99.6, 99.7, 98.0], 99.5)
    assert out.power_W.tolist() == [200, 100]
    assert len(pm.inverse_candidates(grid, [90, 90, 90], 99.5)) == 0
    with pytest.raises(MLPCInputError, match="one value per grid row"):
        pm.inverse_candidates(grid, [99.0], 99.5)
