#!/usr/bin/env python3
"""Regenerate the MJCF compiler goldens in tests/data/mjcf/ with the `mujoco` Python package.

Writes, for each model, the compiled arrays our Model holds (envs/physics/model.hpp field names)
plus the element names and MuJoCo's body_simple:
  gym_<task>.json      Gymnasium's own asset for the four contact-free tasks, compiled by MuJoCo;
                       the C++ tests compile our envs/assets/<task>.xml and compare with it.
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

MUJOCO_VERSION = "3.3.7"
GYMNASIUM_VERSION = "1.2.2"
TASKS = ["inverted_pendulum", "inverted_double_pendulum", "reacher", "swimmer"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def arr(x):
  return np.asarray(x, dtype=np.float64).tolist()


def iarr(x):
  return np.asarray(x, dtype=np.int64).tolist()


def names(m, objtype, n):
  return [mujoco.mj_id2name(m, objtype, i) or "" for i in range(n)]


def export(m):
  """The compiled fields the MJCF compiler produces, under model.hpp's names."""
  for u in range(m.nu):
    # the subset's only actuator: a motor on a joint (unit gain, no bias, no dynamics)
    assert m.actuator_trntype[u] == mujoco.mjtTrn.mjTRN_JOINT
    assert m.actuator_dyntype[u] == mujoco.mjtDyn.mjDYN_NONE
    assert m.actuator_gainprm[u, 0] == 1 and not m.actuator_biasprm[u].any()
  opt = m.opt
  ot = mujoco.mjtObj
  return {
      "nq": m.nq, "nv": m.nv, "nu": m.nu, "nbody": m.nbody, "njnt": m.njnt,
      "ngeom": m.ngeom, "nsite": m.nsite,
      "opt": {
          "timestep": opt.timestep, "gravity": arr(opt.gravity), "wind": arr(opt.wind),
          "density": opt.density, "viscosity": opt.viscosity, "impratio": opt.impratio,
          "tolerance": opt.tolerance, "ls_tolerance": opt.ls_tolerance,
          "iterations": opt.iterations, "ls_iterations": opt.ls_iterations,
          "integrator": int(opt.integrator), "solver": int(opt.solver), "cone": int(opt.cone),
          "disableflags": int(opt.disableflags),
      },
      "stat_meaninertia": m.stat.meaninertia,
      "body_parentid": iarr(m.body_parentid), "body_rootid": iarr(m.body_rootid),
      "body_weldid": iarr(m.body_weldid), "body_jntnum": iarr(m.body_jntnum),
      "body_jntadr": iarr(m.body_jntadr), "body_dofnum": iarr(m.body_dofnum),
      "body_dofadr": iarr(m.body_dofadr), "body_simple": iarr(m.body_simple),
      "body_pos": arr(m.body_pos), "body_quat": arr(m.body_quat),
      "body_ipos": arr(m.body_ipos), "body_iquat": arr(m.body_iquat),
      "body_mass": arr(m.body_mass), "body_inertia": arr(m.body_inertia),
      "body_invweight0": arr(m.body_invweight0),
      "jnt_type": iarr(m.jnt_type), "jnt_qposadr": iarr(m.jnt_qposadr),
      "jnt_dofadr": iarr(m.jnt_dofadr), "jnt_bodyid": iarr(m.jnt_bodyid),
      "jnt_limited": iarr(m.jnt_limited), "jnt_pos": arr(m.jnt_pos), "jnt_axis": arr(m.jnt_axis),
      "jnt_range": arr(m.jnt_range), "jnt_margin": arr(m.jnt_margin),
      "jnt_solref": arr(m.jnt_solref), "jnt_solimp": arr(m.jnt_solimp),
      "jnt_stiffness": arr(m.jnt_stiffness),
      "dof_bodyid": iarr(m.dof_bodyid), "dof_jntid": iarr(m.dof_jntid),
      "dof_parentid": iarr(m.dof_parentid), "dof_armature": arr(m.dof_armature),
      "dof_damping": arr(m.dof_damping), "dof_invweight0": arr(m.dof_invweight0),
      "geom_type": iarr(m.geom_type), "geom_bodyid": iarr(m.geom_bodyid),
      "geom_contype": iarr(m.geom_contype), "geom_conaffinity": iarr(m.geom_conaffinity),
      "geom_condim": iarr(m.geom_condim), "geom_priority": iarr(m.geom_priority),
      "geom_size": arr(m.geom_size), "geom_rbound": arr(m.geom_rbound),
      "geom_pos": arr(m.geom_pos), "geom_quat": arr(m.geom_quat),
      "geom_friction": arr(m.geom_friction), "geom_solmix": arr(m.geom_solmix),
      "geom_solref": arr(m.geom_solref), "geom_solimp": arr(m.geom_solimp),
      "geom_margin": arr(m.geom_margin), "geom_gap": arr(m.geom_gap),
      "site_bodyid": iarr(m.site_bodyid), "site_pos": arr(m.site_pos),
      "site_quat": arr(m.site_quat),
      "actuator_trnid": iarr(m.actuator_trnid[:, 0]),
      "actuator_ctrllimited": iarr(m.actuator_ctrllimited),
      "actuator_gear": arr(m.actuator_gear[:, 0]),
      "actuator_ctrlrange": arr(m.actuator_ctrlrange),
      "qpos0": arr(m.qpos0), "qpos_spring": arr(m.qpos_spring),
      "names": {
          "body": names(m, ot.mjOBJ_BODY, m.nbody), "joint": names(m, ot.mjOBJ_JOINT, m.njnt),
          "geom": names(m, ot.mjOBJ_GEOM, m.ngeom), "site": names(m, ot.mjOBJ_SITE, m.nsite),
          "actuator": names(m, ot.mjOBJ_ACTUATOR, m.nu),
      },
  }


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
    gym = export(mujoco.MjModel.from_xml_path(os.path.join(gym_assets, task + ".xml")))
    ours = export(mujoco.MjModel.from_xml_path(os.path.join(ROOT, "envs", "assets", task + ".xml")))
    assert same_physics(gym, ours), f"envs/assets/{task}.xml compiles differently from Gymnasium's"
    write(args.out, "gym_" + task, f"gymnasium/envs/mujoco/assets/{task}.xml", gym)
    print(f"gym_{task}: nq={gym['nq']} nv={gym['nv']} nbody={gym['nbody']} (ours agree)")

  for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "mjcf", "snippets", "*.xml"))):
    name = os.path.splitext(os.path.basename(path))[0]
    model = export(mujoco.MjModel.from_xml_path(path))
    write(args.out, "snippet_" + name, f"tests/data/mjcf/snippets/{name}.xml", model)
    print(f"snippet_{name}: nq={model['nq']} nv={model['nv']} nbody={model['nbody']}")


if __name__ == "__main__":
  main()
