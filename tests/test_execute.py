"""`make course` and `make test` execute notebooks through one executor (mlpc_course.execute)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from mlpc_course import execute

ROOT = Path(__file__).resolve().parents[1]
# Stored as .json so that nbval does not collect it under `make test`.
FIXTURE = ROOT / "tests" / "fixtures" / "executor_figure.json"


def test_mlpc_execute_writes_figures_even_when_the_caller_uses_agg(tmp_path):
    """The path of `make course`: a kernel inherits MPLBACKEND=Agg from make's run environment;
    the executed copy must still hold the figure (Quarto embeds it), and the output must carry
    no kernel warning."""
    env = dict(os.environ, MPLBACKEND="Agg", TQDM_DISABLE="1")
    src = tmp_path / "src" / "executor_figure.ipynb"
    src.parent.mkdir()
    src.write_text(FIXTURE.read_text())
    run = subprocess.run([sys.executable, "-m", "mlpc_course.cli", "execute", str(src),
                          "--out", str(tmp_path), "--", "-q"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    nb = json.loads((tmp_path / src.name).read_text())
    images = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]
              if "image/png" in o.get("data", {})]
    assert len(images) == 1, "the executed copy holds no figure"
    assert nb["metadata"]["mlpc"]["seconds"] > 0
    assert execute.seconds(tmp_path) == {src.stem: nb["metadata"]["mlpc"]["seconds"]}
    assert not re.search(r"WARNING|without encryption", out), out


def test_make_test_and_make_execute_use_the_one_executor():
    makefile = (ROOT / "Makefile").read_text()
    recipes = {}
    for target in ("test", "execute"):
        m = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.M)
        assert m, f"no `{target}` target in the Makefile"
        recipes[target] = m.group(1)
    for target, recipe in recipes.items():
        assert "mlpc_course.cli execute" in recipe, f"`make {target}` bypasses the executor"
        assert "--nbval" not in recipe, f"`make {target}` sets nbval options of its own"


def test_unknown_notebook_names_the_fix():
    try:
        execute.resolve(["week99_nothing"])
    except ValueError as err:
        assert "give a stem such as" in str(err)
    else:  # pragma: no cover
        raise AssertionError("an unknown notebook was accepted")
