"""The examples run (shortened): examples/jax_ppo.py (CI's venv has JAX for CPU) and
examples/torch_ppo.py where PyTorch is installed (CI's venv has none: PyPI's Linux wheels bring
gigabytes of CUDA libraries, so there it reports itself skipped). The full runs to the tasks'
thresholds and their returns are in bench/RESULTS.md."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def run_example(name, *args):
  result = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), *args],
                          capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stderr
  return result.stdout


@pytest.mark.parametrize("task", ["cartpole", "inverted_pendulum"])
def test_torch_ppo_runs(task):
  pytest.importorskip("torch")
  out = run_example("torch_ppo.py", "--env", task, "--total-steps", "8192", "--eval-episodes",
                    "3")
  assert f"{task}: deterministic return" in out


@pytest.mark.parametrize("task", ["cartpole", "inverted_pendulum"])
def test_jax_ppo_runs(task):
  pytest.importorskip("jax")
  out = run_example("jax_ppo.py", "--env", task, "--total-steps", "8192", "--eval-episodes", "3")
  assert f"{task}: deterministic return" in out
