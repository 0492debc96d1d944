"""The compiled-model export shared by the golden generators (gen_mjcf_goldens.py,
gen_physics_goldens.py): MuJoCo's compiled arrays under the names of envs/physics/model.hpp, and
the pinned reference versions every golden records."""

import mujoco
import numpy as np

MUJOCO_VERSION = "3.3.7"
GYMNASIUM_VERSION = "1.2.2"

# Gymnasium's asset file for a task where it is not <task>.xml (Walker2d-v5 has its own, with both
# feet at friction 1.9)
GYM_ASSET_FILES = {"walker2d": "walker2d_v5"}


def gym_asset_file(task):
  return GYM_ASSET_FILES.get(task, task) + ".xml"


def arr(x):
  return np.asarray(x, dtype=np.float64).tolist()


def iarr(x):
  return np.asarray(x, dtype=np.int64).tolist()


def names(m, objtype, n):
  return [mujoco.mj_id2name(m, objtype, i) or "" for i in range(n)]


def export_model(m, compiler_extras=False):
  """The compiled arrays envs/physics/model.hpp holds, under the same names; with
  compiler_extras also MuJoCo's body_simple and the element names (the MJCF compiler goldens)."""
  for u in range(m.nu):
    # the subset's only actuator: a motor on a joint (unit gain, no bias, no dynamics)
    assert m.actuator_trntype[u] == mujoco.mjtTrn.mjTRN_JOINT
    assert m.actuator_dyntype[u] == mujoco.mjtDyn.mjDYN_NONE
    assert m.actuator_gainprm[u, 0] == 1 and not m.actuator_biasprm[u].any()
  opt = m.opt
  ot = mujoco.mjtObj
  d = {
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
      # <contact><exclude> body pairs (signature = body1 << 16 | body2)
      "exclude_body": [[int(s) >> 16, int(s) & 0xFFFF] for s in m.exclude_signature],
      "names": {
          "body": names(m, ot.mjOBJ_BODY, m.nbody), "joint": names(m, ot.mjOBJ_JOINT, m.njnt),
          "geom": names(m, ot.mjOBJ_GEOM, m.ngeom), "site": names(m, ot.mjOBJ_SITE, m.nsite),
          "actuator": names(m, ot.mjOBJ_ACTUATOR, m.nu),
      },
  }
  if not compiler_extras:
    del d["body_simple"], d["names"]
  return d
