import subprocess
import sys

import numpy as np
import pytest

from mlpc_helpers import runtime
from mlpc_helpers.validation import MLPCInputError


def test_seed_default_and_env(monkeypatch):
    monkeypatch.delenv("MLPC_SEED", raising=False)
    assert runtime.seed() == 0
    monkeypatch.setenv("MLPC_SEED", "7")
    assert runtime.seed() == 7
    a = runtime.rng().random(3)
    b = runtime.rng().random(3)
    np.testing.assert_array_equal(a, b)
    assert runtime.stream(1) != runtime.stream(2)
    np.testing.assert_array_equal(runtime.rng(4).random(3),
                                  np.random.default_rng(runtime.stream(4)).random(3))


def test_one_randomness_vocabulary_the_stream_function_is_not_named_random_state():
    # `random_state` is only ever a parameter name; streams come from runtime.stream(k)
    assert not hasattr(runtime, "random_state")
    assert not hasattr(runtime, "random_state_int")
    assert runtime.check_random_int(None, offset=5) == runtime.stream(5)


def test_seed_torch_is_torch_manual_seed_of_the_stream(monkeypatch):
    import torch

    monkeypatch.setenv("MLPC_SEED", "2")
    assert runtime.seed_torch(4) == runtime.stream(4)
    a = torch.rand(3)
    torch.manual_seed(runtime.stream(4))
    assert torch.equal(a, torch.rand(3))
    monkeypatch.setenv("MLPC_SEED", "3")
    runtime.seed_torch(4)
    assert not torch.equal(a, torch.rand(3)), "seed_torch ignores MLPC_SEED"


def test_bad_seed_is_clear(monkeypatch):
    monkeypatch.setenv("MLPC_SEED", "abc")
    with pytest.raises(MLPCInputError, match="MLPC_SEED must be an integer"):
        runtime.seed()


def test_size_switch(monkeypatch):
    monkeypatch.delenv("MLPC_FULL", raising=False)
    assert runtime.size(reduced=3, full=30) == 3
    monkeypatch.setenv("MLPC_FULL", "1")
    assert runtime.size(reduced=3, full=30) == 30
    monkeypatch.setenv("MLPC_FULL", "maybe")
    with pytest.raises(MLPCInputError, match="MLPC_FULL"):
        runtime.is_full()


def test_device_choice(monkeypatch):
    import torch

    monkeypatch.setenv("MLPC_DEVICE", "cpu")
    assert runtime.device() == "cpu"
    monkeypatch.setenv("MLPC_DEVICE", "tpu")
    with pytest.raises(MLPCInputError, match="Unknown device 'tpu'"):
        runtime.device()
    monkeypatch.setenv("MLPC_DEVICE", "auto")
    assert runtime.device() in {"cpu", "cuda", "mps"}
    if not torch.cuda.is_available():
        monkeypatch.setenv("MLPC_DEVICE", "cuda")
        with pytest.raises(runtime.DeviceUnavailableError, match="no CUDA GPU"):
            runtime.device()


def test_seed_everything_seeds_torch(monkeypatch):
    import torch

    monkeypatch.setenv("MLPC_SEED", "3")
    runtime.seed_everything()
    a = torch.rand(2)
    runtime.seed_everything()
    assert torch.equal(a, torch.rand(2))


def test_start_names_notebook(tmp_path, monkeypatch):
    monkeypatch.setenv("MLPC_METRICS_DIR", str(tmp_path))
    ctx = runtime.start("week99_demo", quiet=True)
    assert ctx.notebook == "week99_demo" and ctx.device == "cpu"


def test_import_is_light_and_torch_free():
    code = (
        "import sys, time; t = time.perf_counter(); import mlpc_helpers, mlpc_helpers.models, "
        "mlpc_helpers.runtime, mlpc_helpers.report; dt = time.perf_counter() - t; "
        "assert 'torch' not in sys.modules, 'torch imported'; print(dt)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) < 1.0


def test_a_bad_random_state_is_named():
    for bad in (0.5, np.random.RandomState(0), True):
        with pytest.raises(MLPCInputError, match="random_state must be None"):
            runtime.check_random_state(bad)
        with pytest.raises(MLPCInputError, match="runtime.stream"):
            runtime.check_random_int(bad)
