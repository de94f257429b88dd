"""Loaders of machining process data: CNC milling time series, turning tool-wear features."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sklearn.utils import Bunch

from ._common import bunch, describe, file_path
from .registry import DataError, fetch

# --------------------------------------------------------------------------- CNC milling
CNC_N_RUNS = 18
CNC_SAMPLE_PERIOD_S = 0.1
CNC_MACHINING_STAGES = ("Layer 1 Up", "Layer 1 Down", "Layer 2 Up", "Layer 2 Down",
                        "Layer 3 Up", "Layer 3 Down")
_YES_NO = {"yes": True, "no": False}


@functools.lru_cache(maxsize=2)
def _cnc_frames(folder: str) -> tuple[Any, Any]:
    import pandas as pd

    root = Path(folder)
    runs = pd.read_csv(file_path(root, "experiments/train.csv", "cnc_mill_tool_wear"))
    parts = []
    for no in range(1, CNC_N_RUNS + 1):
        rel = f"experiments/experiment_{no:02d}.csv"
        # experiment_12.csv has CR line endings: pandas' C parser accepts \n, \r\n and \r.
        df = pd.read_csv(file_path(root, rel, "cnc_mill_tool_wear"))
        if df.shape[1] != 48:
            raise DataError(f"cnc_mill_tool_wear: {rel} has {df.shape[1]} columns, expected 48.")
        df.insert(0, "time_s", np.arange(len(df)) * CNC_SAMPLE_PERIOD_S)
        df.insert(0, "run", no)
        parts.append(df)
    return runs, pd.concat(parts, ignore_index=True)


def load_cnc_mill_tool_wear(*, as_frame: bool = True, return_X_y: bool = False) -> Bunch:
    """CNC milling of wax parts (U. Michigan SMART lab): 18 runs, 48 signals at 10 Hz.

    Per-run labels (train.csv) are joined to every time step. The README's known bad
    readings are flagged, never dropped.

    Parameters
    ----------
    as_frame : bool
        ``data`` as a DataFrame (default) or a float array.
    return_X_y : bool
        Return ``(data, target)``: the 47 numeric signals per time step and ``tool_worn``.

    Returns
    -------
    Bunch with
    ``frame``: DataFrame (25 286 rows): run (1-18), time_s (s since the run's first sample,
    0.1 s steps), the 48 signals under the publisher's names (units per README: positions
    mm, velocities mm/s, accelerations mm/s², currents A, voltages V, power kW;
    M1_CURRENT_FEEDRATE as logged; Machining_Process the stage text), then
    machining_active (bool: a "Layer k Up/Down" stage), the flags flag_feedrate_50,
    flag_x1_position_198, flag_program_not_0 (README text, literal), flag_program_not_1,
    bad_reading (bool: feedrate 50 | X1 position 198 | program number not 1; see DESCR), and
    the run's labels feedrate_mm_per_s, clamp_pressure_bar, tool_condition ("unworn" /
    "worn"), tool_worn (bool), machining_finalized (bool), passed_visual_inspection
    (boolean, <NA> where machining did not finish);
    ``runs``: DataFrame (18 rows) run, feedrate_mm_per_s, clamp_pressure_bar,
    tool_condition, tool_worn, machining_finalized, passed_visual_inspection, n_samples,
    n_bad_readings;
    ``data``: the 47 numeric signals; ``target``: tool_worn per time step (bool);
    ``signal_names``: the 47 numeric signal columns; ``target_names``: ["unworn", "worn"];
    ``groups``: run per time step (25 286,); ``DESCR``.
    """
    import pandas as pd

    folder = fetch("cnc_mill_tool_wear")
    runs_raw, signals = _cnc_frames(str(folder))
    runs = pd.DataFrame({
        "run": runs_raw["No"].astype(int),
        "feedrate_mm_per_s": runs_raw["feedrate"].astype(float),
        "clamp_pressure_bar": runs_raw["clamp_pressure"].astype(float),
        "tool_condition": runs_raw["tool_condition"].astype(str),
        "tool_worn": runs_raw["tool_condition"].map({"worn": True, "unworn": False}),
        "machining_finalized": runs_raw["machining_finalized"].map(_YES_NO),
        "passed_visual_inspection": runs_raw["passed_visual_inspection"].map(_YES_NO)
        .astype("boolean"),
    })
    if runs["tool_worn"].isna().any() or runs["machining_finalized"].isna().any():
        raise DataError("cnc_mill_tool_wear: train.csv has unknown label values.")
    if sorted(runs["run"]) != list(range(1, CNC_N_RUNS + 1)):
        raise DataError("cnc_mill_tool_wear: train.csv does not list runs 1-18.")
    runs["tool_worn"] = runs["tool_worn"].astype(bool)
    runs["machining_finalized"] = runs["machining_finalized"].astype(bool)
    frame = signals.copy()
    frame["machining_active"] = frame["Machining_Process"].isin(CNC_MACHINING_STAGES)
    frame["flag_feedrate_50"] = frame["M1_CURRENT_FEEDRATE"] == 50
    frame["flag_x1_position_198"] = frame["X1_ActualPosition"] == 198
    frame["flag_program_not_0"] = frame["M1_CURRENT_PROGRAM_NUMBER"] != 0
    frame["flag_program_not_1"] = frame["M1_CURRENT_PROGRAM_NUMBER"] != 1
    frame["bad_reading"] = (frame["flag_feedrate_50"] | frame["flag_x1_position_198"]
                            | frame["flag_program_not_1"])
    frame = frame.merge(runs, on="run", how="left", validate="many_to_one")
    counts = frame.groupby("run").agg(n_samples=("run", "size"),
                                      n_bad_readings=("bad_reading", "sum")).reset_index()
    runs = runs.merge(counts, on="run")
    signal_names = [c for c in signals.columns
                    if c not in ("run", "time_s", "Machining_Process")]
    data = frame[signal_names] if as_frame else frame[signal_names].to_numpy(float)
    target = frame["tool_worn"].to_numpy(bool)
    if return_X_y:
        return data, target
    n_bad = int(frame["bad_reading"].sum())
    n_lit = int(frame["flag_program_not_0"].sum())
    return bunch(
        frame=frame,
        runs=runs,
        data=data,
        target=target,
        signal_names=signal_names,
        target_names=["unworn", "worn"],
        groups=frame["run"].to_numpy(),
        DESCR=describe(
            "cnc_mill_tool_wear",
            f"{len(frame)} time steps of {CNC_N_RUNS} runs; the run's labels are joined to "
            "every step (tool_worn is the run's tool condition, the same for all its steps).",
            "Bad readings, flagged and kept: the README says readings are wrong when "
            "M1_CURRENT_FEEDRATE reads 50, X1_ActualPosition reads 198, or "
            "M1_CURRENT_PROGRAM_NUMBER does not read 0. Read literally the last rule flags "
            f"{n_lit} of {len(frame)} rows (the machining program is number 1 in every "
            "run), so `bad_reading` uses 'not 1' (0 and 4 are other programs) and the literal "
            f"rule stays in `flag_program_not_0`. bad_reading is True for {n_bad} rows.",
            "groups = run: the steps of one run share its tool, feed and clamping and are "
            "strongly autocorrelated, so cross-validate with GroupKFold over runs; a split "
            "of time steps would score the run's identity, not the tool's wear.",
        ),
    )


# --------------------------------------------------------------------------- turning
TURNING_N_ROWS = 2054


def load_turning_tool_wear(*, as_frame: bool = True, return_X_y: bool = False) -> Bunch:
    """Turning tool wear (Mondragon / Vicomtech): 2054 one-second segments of 13 tools.

    Parameters
    ----------
    as_frame : bool
        ``data`` as a DataFrame (default) or a float array (NaN where a cell is empty).
    return_X_y : bool
        Return ``(data, target)``.

    Returns
    -------
    Bunch with
    ``frame``: DataFrame (2054 x 154): the 152 features under the publisher's names
    (``<signal>_<statistic>``, statistic MEAN / RMS / MAX / SK / KURT, AE also VAR, C_0.1,
    C_0.15, CF; signal units as acquired, not stated), ``tool`` (id) and ``Vb_um`` (flank
    wear, µm: the unit is not stated in the file; values 0-792 fit µm);
    ``data``: the 152 features; ``target``: Vb_um (2054,); ``feature_names``;
    ``target_names``: ["Vb_um"]; ``groups``: tool id per segment (13 tools);
    ``n_empty_cells``: int (1142 in the published file); ``empty_cells_per_column``: dict
    column -> count (only columns with empty cells); ``rows_with_empty``: int; ``DESCR``
    (CC BY-SA 4.0 share-alike note).
    """
    import pandas as pd

    path = file_path(fetch("turning_tool_wear"), "Dataset_Machine_tool_wear.csv",
                     "turning_tool_wear")
    raw = pd.read_csv(path)
    if raw.shape != (TURNING_N_ROWS, 154) or not {"tool", "Vb"} <= set(raw.columns):
        raise DataError(f"turning_tool_wear: {path.name} is {raw.shape} without tool/Vb: "
                        "wrong file version?")
    frame = raw.rename(columns={"Vb": "Vb_um"})
    feature_names = [c for c in frame.columns if c not in ("tool", "Vb_um")]
    empty = frame.isna().sum()
    empty = {str(k): int(v) for k, v in empty[empty > 0].items()}
    n_empty = int(sum(empty.values()))
    n_rows_empty = int(frame.isna().any(axis=1).sum())
    data = frame[feature_names] if as_frame else frame[feature_names].to_numpy(float)
    target = frame["Vb_um"].to_numpy(float)
    if return_X_y:
        return data, target
    return bunch(
        frame=frame,
        data=data,
        target=target,
        feature_names=feature_names,
        target_names=["Vb_um"],
        groups=frame["tool"].to_numpy(),
        n_empty_cells=n_empty,
        empty_cells_per_column=empty,
        rows_with_empty=n_rows_empty,
        DESCR=describe(
            "turning_tool_wear",
            f"Empty cells: {n_empty} in {n_rows_empty} rows, in the columns "
            f"{', '.join(f'{k} ({v})' for k, v in empty.items())}; kept as NaN (impute "
            "inside the cross-validation pipeline, or drop those columns).",
            "Vb_um: flank wear; the file does not state the unit, µm is the convention "
            "and fits the values (0-792).",
            "groups = tool: the segments of one tool are one wear history in time, so "
            "validate with GroupKFold over tools; random splits interpolate within a tool.",
            "License CC BY-SA 4.0 (share-alike): reading the data in the course notebooks is "
            "fine; anything derived from them (a cleaned table, features, figures) that is "
            "redistributed must credit the source and carry CC BY-SA 4.0 too.",
        ),
    )
