#!/usr/bin/env python3
"""scripts/eval_in_gymnasium.py, briefly, as CI runs it (CTest: export.sim_to_sim).

Trains InvertedPendulum for a few iterations, exports it to ONNX, and runs the script for five
episodes in Gymnasium's InvertedPendulum-v5 beside `stampede eval` on the same checkpoint: both
returns must be printed, finite and within the task's range (0..1000). The full comparison for
trained policies (100 episodes each) is in the README. Exits 77 (skipped) without gymnasium,
mujoco or onnxruntime.

Usage: test_sim_to_sim.py STAMPEDE_BINARY
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
  import gymnasium  # noqa: F401
  import mujoco  # noqa: F401
  import onnxruntime  # noqa: F401
except ImportError as e:
  print(f"skipped: {e}")
  sys.exit(77)

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                      "eval_in_gymnasium.py")


def main():
  binary = os.path.abspath(sys.argv[1])
  scratch = tempfile.mkdtemp(prefix="stampede-sim2sim-")
  try:
    run = os.path.join(scratch, "run")
    subprocess.run([binary, "train", "--env", "inverted_pendulum", "--num-envs", "8",
                    "--num-steps", "64", "--total-steps", "8192", "--run-dir", run, "-q"],
                   check=True, capture_output=True)
    subprocess.run([binary, "export", run, "--format", "onnx"], check=True, capture_output=True)
    out = subprocess.run([sys.executable, SCRIPT, os.path.join(run, "policy.onnx"), "--episodes",
                          "5", "--stampede", binary, "--checkpoint", run],
                         check=True, capture_output=True, text=True).stdout
    print(out)
    gym = re.search(r"InvertedPendulum-v5 \(gymnasium [\d.]+\): (-?[\d.]+) \+/- ([\d.]+)", out)
    ours = re.search(r"inverted_pendulum \(stampede eval\): (-?[\d.]+) \+/- ([\d.]+)", out)
    assert gym and ours, out
    for value in (float(gym.group(1)), float(ours.group(1))):
      assert 0 <= value <= 1000, out
  finally:
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
  main()
