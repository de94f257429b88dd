"""After the notebooks ran: every recorded value with a published value and a tolerance is
within it. Skipped when no notebook recorded anything in this checkout."""

import pytest

from mlpc_helpers import paths, report


@pytest.mark.after_notebooks
def test_recorded_metrics_within_published_tolerance():
    rows = report.load_all()
    if not rows:
        pytest.skip(f"no metrics recorded under {paths.metrics_dir()} (notebooks not run)")
    bad = [f"{r.notebook}: {r.key} = {r.value} (published {r.published} ± {r.tolerance}, "
           f"{r.source})" for r in report.failures()]
    assert not bad, "recorded values outside their published tolerance:\n" + "\n".join(bad)
