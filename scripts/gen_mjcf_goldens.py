#!/usr/bin/env python3
"""Regenerate the MJCF compiler goldens in tests/data/mjcf/ with the `mujoco` Python package.

Writes, for each model, the compiled arrays our Model holds (envs/physics/model.hpp field names)
plus the element names and MuJoCo's body_simple:
  gym_<task>.json      Gymnasium's own asset for each MuJoCo task, compiled by MuJoCo;
                       the C++ tests compile our envs/mujoco/assets/<task>.xml and compare with it.
  snippet_<name>.json  each synthetic model in tests/data/mjcf/snippets/ (defaults, childclass,
                       euler sequences, fromto, settotalmass, inertial, geom inertias, ball and
                       free joints, simple bodies).
It also checks that MuJoCo compiles our assets to the same model as Gymnasium's, so a difference
in the C++ test points at our compiler, not at the asset.

Pinned reference: mujoco==3.3.7, gymnasium==1.2.2 (asserted; recorded in every file).

Usage: python scripts/gen_mjcf_goldens.py [--out tests/data/mjcf]
"""

import argparse
import glob
import json
import os

import gymnasium
import mujoco
import numpy as np

from mujoco_export import GYMNASIUM_VERSION, MUJOCO_VERSION, export_model, gym_asset_file
from task_list import tasks

TASKS = [t.name for t in tasks() if t.mujoco]  # the task list's MuJoCo tasks (envs/tasks.hpp)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def same_physics(a, b, path=""):
  """True when two exports agree (names excepted; quaternions up to sign)."""
  if isinstance(a, dict):
    return all(same_physics(a[k], b[k], path + "." + k) for k in a if k != "names")
  x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
  if x.shape != y.shape:
    print(f"shape differs at {path}: {x.shape} vs {y.shape}")
    return False
  if "quat" in path and x.ndim == 2:
    y = np.where((np.sum(x * y, axis=1) < 0)[:, None], -y, y)
  ok = np.allclose(x, y, rtol=1e-9, atol=1e-12)
  if not ok:
    print(f"differs at {path}: {x.tolist()} vs {y.tolist()}")
  return ok


def write(out, name, source, model):
  doc = {"mujoco_version": mujoco.__version__, "gymnasium_version": gymnasium.__version__,
         "source": source, "model": model}
  with open(os.path.join(out, name + ".json"), "w") as f:
    json.dump(doc, f, indent=None, separators=(",", ":"))
    f.write("\n")


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "mjcf"))
  args = ap.parse_args()
  assert mujoco.__version__ == MUJOCO_VERSION, mujoco.__version__
  assert gymnasium.__version__ == GYMNASIUM_VERSION, gymnasium.__version__
  os.makedirs(args.out, exist_ok=True)

  gym_assets = os.path.join(os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets")
  for task in TASKS:
    gym_file = gym_asset_file(task)
    gym = export_model(mujoco.MjModel.from_xml_path(os.path.join(gym_assets, gym_file)), True)
    ours = export_model(mujoco.MjModel.from_xml_path(os.path.join(ROOT, "envs", "mujoco", "assets", task + ".xml")), True)
    assert same_physics(gym, ours), f"envs/mujoco/assets/{task}.xml compiles differently from Gymnasium's"
    write(args.out, "gym_" + task, f"gymnasium/envs/mujoco/assets/{gym_file}", gym)
    print(f"gym_{task}: nq={gym['nq']} nv={gym['nv']} nbody={gym['nbody']} (ours agree)")

  for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "mjcf", "snippets", "*.xml"))):
    name = os.path.splitext(os.path.basename(path))[0]
    model = export_model(mujoco.MjModel.from_xml_path(path), True)
    write(args.out, "snippet_" + name, f"tests/data/mjcf/snippets/{name}.xml", model)
    print(f"snippet_{name}: nq={model['nq']} nv={model['nv']} nbody={model['nbody']}")


if __name__ == "__main__":
  main()
