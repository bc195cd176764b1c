"""The research notebooks (notebooks/*.ipynb): committed without outputs, and each one runs top
to bottom at CI size in a fresh kernel of this interpreter (nbclient); a failing cell fails the
test with that cell's traceback.

CI size is set through the environment variables the notebooks read in their first code cell
(``SAFETYNET_NB_*``): a tiny household sample, three counties (one for the sensitivity notebook),
one replicate and short horizons. A researcher runs full scale by editing that cell or setting the
variables before ``make lab`` (docs/notebooks.md).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = (
    "01_quickstart",
    "02_threshold_tradeoffs",
    "03_cpi_trigger_replay",
    "04_services_cap",
    "05_sensitivity",
    "06_calibration_validation",
)
ENV_PREFIX = "SAFETYNET_NB_"
#: run size of every notebook in CI (small and noisy on purpose)
CI_ENV = {
    "SAFETYNET_NB_SAMPLE": "0.002",
    "SAFETYNET_NB_REPLICATES": "1",
    "SAFETYNET_NB_COUNTIES": "530102,530324,532901",
    "SAFETYNET_NB_MONTHS": "24",
    "SAFETYNET_NB_POINTS": "3",
}
#: per-notebook changes to CI_ENV
CI_ENV_BY_NOTEBOOK = {
    "05_sensitivity": {
        "SAFETYNET_NB_COUNTIES": "532901",
        "SAFETYNET_NB_MONTHS": "12",
        "SAFETYNET_NB_METHOD": "morris",
        "SAFETYNET_NB_TRAJECTORIES": "3",
    },
    "06_calibration_validation": {"SAFETYNET_NB_MONTHS": "6"},
}
#: a cell that runs longer than this fails (generous: the whole set takes well under this)
CELL_TIMEOUT_S = 240
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _ci_env(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Only the CI run size reaches the kernel (it inherits this process's environment)."""
    for key in list(os.environ):
        if key.startswith(ENV_PREFIX):
            monkeypatch.delenv(key)
    for key, value in {**CI_ENV, **CI_ENV_BY_NOTEBOOK.get(name, {})}.items():
        monkeypatch.setenv(key, value)


def _execute(nb: nbformat.NotebookNode) -> None:
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()


def _stream_text(nb: nbformat.NotebookNode) -> str:
    return "".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream" and out.get("name") == "stdout"
    )


def test_the_six_notebooks_exist() -> None:
    assert [p.stem for p in NOTEBOOKS if p.stem in EXPECTED] == list(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert dirty == [], f"{path.name}: outputs in cells {dirty}; clear them before committing"
    assert "widgets" not in nb.metadata, f"{path.name}: widget state in the metadata"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_run_size_is_set_in_its_first_code_cell(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", []), f"{path.name}: untagged first cell"
    assert "SAFETYNET_NB_SAMPLE" in first.source, f"{path.name}: SAMPLE not read from env"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.slow
def test_kernel_is_this_interpreter_with_this_checkout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The notebooks' kernel spec ("python3") runs this interpreter and imports this checkout."""
    _ci_env(monkeypatch, "probe")
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import os, sys, safetynet\n"
                "print(sys.executable)\n"
                "print(safetynet.__file__)\n"
                "print(os.environ['SAFETYNET_NB_SAMPLE'])"
            )
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    _execute(nb)
    executable, package, sample = _stream_text(nb).split()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert Path(package).resolve() == (ROOT / "model" / "safetynet" / "__init__.py").resolve()
    assert sample == CI_ENV["SAFETYNET_NB_SAMPLE"]


@pytest.mark.slow
def test_a_failing_cell_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    _ci_env(monkeypatch, "probe")
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("raise RuntimeError('cell 2 fails')"),
            nbformat.v4.new_code_cell("y = 2"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    with pytest.raises(CellExecutionError, match="cell 2 fails"):
        _execute(nb)
    assert nb.cells[2].execution_count is None  # execution stops at the failing cell


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _ci_env(monkeypatch, path.stem)
    nb = nbformat.read(path, as_version=4)
    try:
        _execute(nb)
    except CellExecutionError as exc:
        pytest.fail(f"{path.name}: a cell failed\n{ANSI.sub('', str(exc))}", pytrace=False)
    errors = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and any(out.get("output_type") == "error" for out in cell.get("outputs", []))
    ]
    assert errors == [], f"{path.name}: error outputs in cells {errors}"
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells), "a cell did not run"
