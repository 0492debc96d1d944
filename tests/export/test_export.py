#!/usr/bin/env python3
"""`stampede export` against the libraries users load the files with (CTest: export.*).

For every task of `stampede envs`: one short training iteration, then `stampede export` in both
formats. The safetensors file is read with the `safetensors` package; the ONNX file passes
`onnx.checker` (full check) and runs in onnxruntime on 256 observations (standard normal x 3,
so that the normaliser's clipping is exercised). onnxruntime's action, distribution parameters
and value must equal a float32 numpy forward pass from the safetensors tensors, which
tests/host/export_test.cpp holds equal to the engine's own forward pass, within 1e-5 (relative
to the value's size for the critic). Needs numpy, safetensors, onnx and onnxruntime
(scripts/test.sh installs them into a venv); exits 77 (skipped) without them.

Usage: test_export.py STAMPEDE_BINARY
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
  import numpy as np
  import onnx
  import onnxruntime as ort
  from safetensors import safe_open
  from safetensors.numpy import load_file
except ImportError as e:
  print(f"skipped: {e}")
  sys.exit(77)


def run(binary, *args):
  result = subprocess.run([binary, *args], capture_output=True, text=True, timeout=300)
  if result.returncode != 0:
    raise AssertionError(f"stampede {' '.join(args)}: {result.stderr}")
  return result.stdout


def reference(tensors, config, spaces, obs):
  """The policy's outputs as the safetensors metadata describes them, in float32."""
  z = obs
  if config["norm_obs"]:
    mean = tensors["obs_norm.mean"].astype(np.float32)
    var = tensors["obs_norm.var"].astype(np.float32)
    clip = np.float32(config["obs_clip"])
    z = np.clip((obs - mean) / np.sqrt(var + np.float32(1e-8)), -clip, clip)

  def mlp(prefix):
    h = z
    layers = sum(1 for k in tensors if k.startswith(prefix + ".") and k.endswith(".weight"))
    for l in range(layers):
      h = h @ tensors[f"{prefix}.{l}.weight"].T + tensors[f"{prefix}.{l}.bias"]
      if l < layers - 1:
        h = np.tanh(h)
    return h

  head, value = mlp("actor"), mlp("critic")[:, 0]
  if spaces["action"]["type"] == "Discrete":
    return {"action": head.argmax(1), "logits": head, "value": value}
  low = np.array(spaces["action"]["low"], np.float32)
  high = np.array(spaces["action"]["high"], np.float32)
  return {"action": np.clip(head, low, high), "mean": head, "log_std": tensors["log_std"],
          "value": value}


def check_task(binary, task, scratch):
  run_dir = os.path.join(scratch, task)
  run(binary, "train", "--env", task, "--num-envs", "2", "--num-steps", "16", "--total-steps",
      "32", "--minibatch-size", "16", "--run-dir", run_dir, "-q")
  run(binary, "export", run_dir)
  run(binary, "export", run_dir, "--format", "onnx")
  tensors_path = os.path.join(run_dir, "policy.safetensors")
  onnx_path = os.path.join(run_dir, "policy.onnx")

  tensors = load_file(tensors_path)
  with safe_open(tensors_path, "np") as f:
    meta = f.metadata()
  model = onnx.load(onnx_path)
  onnx.checker.check_model(model, full_check=True)
  onnx_meta = {p.key: p.value for p in model.metadata_props}
  assert onnx_meta == meta, f"{task}: the two exports' metadata differ"
  assert meta["task"] == task and meta["gymnasium_id"], meta
  config, spaces = json.loads(meta["config"]), json.loads(meta["spaces"])

  rng = np.random.default_rng(7)
  obs = (3 * rng.standard_normal((256, spaces["observation"]["shape"][0]))).astype(np.float32)
  session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
  names = [o.name for o in session.get_outputs()]
  outputs = dict(zip(names, session.run(None, {"obs": obs})))
  expected = reference(tensors, config, spaces, obs)
  assert sorted(names) == sorted(expected), f"{task}: outputs {names}"
  worst = 0.0
  for name, want in expected.items():
    got = outputs[name]
    assert got.shape == np.shape(want), f"{task}: {name} shape {got.shape} vs {np.shape(want)}"
    if name == "action" and spaces["action"]["type"] == "Discrete":
      assert got.dtype == np.int64 and np.array_equal(got, want), f"{task}: arg-max differs"
      continue
    scale = 1.0 + np.abs(want) if name == "value" else 1.0
    err = float(np.max(np.abs(got - want) / scale))
    assert err <= 1e-5, f"{task}: {name} differs by {err}"
    worst = max(worst, err)
  return worst


def main():
  binary = os.path.abspath(sys.argv[1])
  tasks = [line.split()[0] for line in run(binary, "envs").splitlines()[1:] if line.strip()]
  scratch = tempfile.mkdtemp(prefix="stampede-export-")
  try:
    for task in tasks:
      print(f"{task}: onnxruntime within {check_task(binary, task, scratch):.1e} of the tensors")
  finally:
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
  main()
