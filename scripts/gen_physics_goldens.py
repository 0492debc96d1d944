#!/usr/bin/env python3
"""Regenerate the physics goldens in tests/data/physics/ from the `mujoco` Python package.

For each of Gymnasium's contact-free MuJoCo assets this compiles the model with MuJoCo, exports the
compiled arrays the engine's Model needs (so the dynamics tests do not depend on our MJCF loader),
samples states from short random-control rollouts (plus states pushed near the joint limits),
and records at each state the outputs of every forward stage, the result of one step with Euler
and with RK4, a 100-step trajectory under recorded random controls, and episodes of Gymnasium's v5 task
environments (start state, actions, observations, rewards, terminations).

Pinned reference: mujoco==3.3.7, gymnasium==1.2.2 (assets from the installed package).

Usage: python scripts/gen_physics_goldens.py [--out tests/data/physics]
"""

import argparse
import json
import os

import gymnasium
import mujoco
import numpy as np

from mujoco_export import GYMNASIUM_VERSION, MUJOCO_VERSION, arr, export_model, iarr
from task_list import tasks

# the MuJoCo tasks of the task list (envs/tasks.hpp), by asset name
ASSETS = [t.name for t in tasks() if t.mujoco]
GYM_IDS = {t.name: t.gym_id for t in tasks() if t.mujoco}
# a model of our own for what the Gymnasium assets leave out: free and ball joints (with a ball
# limit), springs with springref, limit margins, custom and direct-format solref/solimp, two
# kinematic trees, an unlimited motor, and the Euler integrator with implicit damping
EXTRA_MODELS = {"joint_zoo": """
<mujoco model="joint_zoo">
  <option timestep="0.005" integrator="Euler"/>
  <default><geom contype="0" conaffinity="0" density="800"/></default>
  <worldbody>
    <body name="base" pos="0 0 1">
      <joint name="root" type="free"/>
      <geom type="box" size="0.2 0.1 0.05"/>
      <body name="arm" pos="0.2 0 0">
        <joint name="ball" type="ball" damping="0.2" stiffness="3" armature="0.01"
               limited="true" range="0 40" margin="0.02"/>
        <geom type="capsule" fromto="0 0 0 0.3 0 0" size="0.04"/>
        <body name="fore" pos="0.3 0 0">
          <joint name="elbow" type="hinge" axis="0 1 0" range="-60 60" limited="true"
                 stiffness="5" springref="10" damping="0.5" armature="0.02" margin="0.05"
                 solreflimit="0.03 0.8" solimplimit="0.8 0.95 0.02 0.4 3"/>
          <geom type="capsule" fromto="0 0 0 0.25 0 0" size="0.03"/>
          <body name="tip" pos="0.25 0 0">
            <joint name="slide" type="slide" axis="1 0 0" range="-0.05 0.1" limited="true"
                   stiffness="20" springref="0.02" damping="1" solreflimit="-2000 -40"/>
            <geom type="sphere" size="0.05"/>
            <site name="tip" pos="0.05 0 0"/>
          </body>
        </body>
      </body>
    </body>
    <body name="pend" pos="0 1 1">
      <joint name="h1" type="hinge" axis="1 0 0" damping="0.1" range="-30 30" limited="true"/>
      <geom type="capsule" fromto="0 0 0 0 0 -0.5" size="0.05"/>
    </body>
  </worldbody>
  <actuator>
    <motor joint="elbow" gear="2" ctrlrange="-1 1" ctrllimited="true"/>
    <motor joint="slide" gear="10" ctrlrange="-1 1" ctrllimited="true"/>
    <motor joint="h1" gear="5"/>
  </actuator>
</mujoco>
"""}
# linear feedback a = K obs that keeps the pendulum up, so that one episode exercises a long
# balanced stretch rather than only the fall
FEEDBACK = {"inverted_pendulum": [0, 2, 0.5, 1]}
FEEDBACK_STEPS = 200
TASK_EPISODES = 3
TASK_STEPS = 50  # per episode, fewer when it terminates
ROLLOUT_STATES = 4  # states sampled from the random-control rollout
LIMIT_STATES = 2  # states with limited joints pushed to their ranges
TRAJ_STEPS = 100


def asset_path(name):
  root = os.path.dirname(gymnasium.__file__)
  return os.path.join(root, "envs", "mujoco", "assets", name + ".xml")


def state_of(d):
  return {"time": d.time, "qpos": arr(d.qpos), "qvel": arr(d.qvel), "ctrl": arr(d.ctrl),
          "qacc_warmstart": arr(d.qacc_warmstart)}


def load_state(m, d, s):
  mujoco.mj_resetData(m, d)
  d.time = s["time"]
  d.qpos[:] = s["qpos"]
  d.qvel[:] = s["qvel"]
  d.ctrl[:] = s["ctrl"]
  d.qacc_warmstart[:] = s["qacc_warmstart"]


def forward_outputs(m, d):
  """Every stage's output after mj_forward at the loaded state."""
  mujoco.mj_forward(m, d)
  qM = np.zeros((m.nv, m.nv))
  mujoco.mj_fullM(m, qM, d.qM)
  nefc = d.nefc
  efc_J = np.asarray(d.efc_J).reshape(-1)[: nefc * m.nv].reshape(nefc, m.nv)
  return {
      "xpos": arr(d.xpos), "xquat": arr(d.xquat), "xmat": arr(d.xmat), "xipos": arr(d.xipos),
      "ximat": arr(d.ximat), "xanchor": arr(d.xanchor), "xaxis": arr(d.xaxis),
      "geom_xpos": arr(d.geom_xpos), "geom_xmat": arr(d.geom_xmat),
      "site_xpos": arr(d.site_xpos), "site_xmat": arr(d.site_xmat),
      "subtree_com": arr(d.subtree_com), "cinert": arr(d.cinert), "cdof": arr(d.cdof),
      "crb": arr(d.crb), "qM": arr(qM), "cvel": arr(d.cvel), "cdof_dot": arr(d.cdof_dot),
      "qfrc_bias": arr(d.qfrc_bias), "qfrc_passive": arr(d.qfrc_passive),
      "actuator_force": arr(d.actuator_force), "qfrc_actuator": arr(d.qfrc_actuator),
      "qfrc_smooth": arr(d.qfrc_smooth), "qacc_smooth": arr(d.qacc_smooth),
      "nefc": int(nefc), "efc_type": iarr(d.efc_type[:nefc]), "efc_id": iarr(d.efc_id[:nefc]),
      "efc_J": arr(efc_J), "efc_pos": arr(d.efc_pos[:nefc]),
      "efc_margin": arr(d.efc_margin[:nefc]), "efc_diagApprox": arr(d.efc_diagApprox[:nefc]),
      "efc_R": arr(d.efc_R[:nefc]), "efc_D": arr(d.efc_D[:nefc]),
      "efc_KBIP": arr(np.asarray(d.efc_KBIP[:nefc]).reshape(nefc, 4)),
      "efc_vel": arr(d.efc_vel[:nefc]), "efc_aref": arr(d.efc_aref[:nefc]),
      "efc_b": arr(d.efc_b[:nefc]), "efc_force": arr(d.efc_force[:nefc]),
      "qfrc_constraint": arr(d.qfrc_constraint), "qacc": arr(d.qacc),
  }


def step_result(m, d, s, integrator):
  load_state(m, d, s)
  saved = m.opt.integrator
  m.opt.integrator = integrator
  mujoco.mj_step(m, d)
  m.opt.integrator = saved
  return {"qpos": arr(d.qpos), "qvel": arr(d.qvel), "qacc_warmstart": arr(d.qacc_warmstart),
          "time": d.time}


def random_ctrl(m, rng):
  # 1.5x the control range so that the clamp in actuation is exercised
  lo = np.where(m.actuator_ctrllimited, m.actuator_ctrlrange[:, 0], -1.0)
  hi = np.where(m.actuator_ctrllimited, m.actuator_ctrlrange[:, 1], 1.0)
  mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
  return mid + 1.5 * half * rng.uniform(-1, 1, m.nu)


def reset_noisy(m, d, rng, scale):
  mujoco.mj_resetData(m, d)
  d.qpos[:] = m.qpos0 + rng.uniform(-scale, scale, m.nq)
  d.qvel[:] = rng.uniform(-scale, scale, m.nv)


def sample_states(m, d, rng):
  states = []
  reset_noisy(m, d, rng, 0.1)
  for k in range(ROLLOUT_STATES):
    for _ in range(int(rng.integers(5, 40))):
      d.ctrl[:] = random_ctrl(m, rng)
      mujoco.mj_step(m, d)
    d.ctrl[:] = random_ctrl(m, rng)
    states.append(state_of(d))
  # push every limited joint to within a small distance of (or past) one end of its range
  for k in range(LIMIT_STATES):
    reset_noisy(m, d, rng, 0.3)
    for j in range(m.njnt):
      if not m.jnt_limited[j]:
        continue
      lo, hi = m.jnt_range[j]
      adr = m.jnt_qposadr[j]
      if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_BALL:
        # a rotation of about the limit angle around a random axis
        axis = rng.normal(size=3)
        axis /= np.linalg.norm(axis)
        angle = max(lo, hi) + rng.uniform(-0.05, 0.05)
        d.qpos[adr:adr + 4] = np.concatenate([[np.cos(angle / 2)], np.sin(angle / 2) * axis])
      else:
        end = hi if rng.uniform() < 0.5 else lo
        d.qpos[adr] = end + rng.uniform(-0.05, 0.05)
    d.ctrl[:] = random_ctrl(m, rng)
    d.qacc_warmstart[:] = rng.normal(0, 1, m.nv)
    states.append(state_of(d))
  return states


def trajectory(m, d, rng):
  reset_noisy(m, d, rng, 0.1)
  start = state_of(d)
  ctrls, qpos, qvel = [], [], []
  for _ in range(TRAJ_STEPS):
    c = random_ctrl(m, rng)
    d.ctrl[:] = c
    mujoco.mj_step(m, d)
    ctrls.append(arr(c))
    qpos.append(arr(d.qpos))
    qvel.append(arr(d.qvel))
  return {"start": start, "ctrl": ctrls, "qpos": qpos, "qvel": qvel}


def task_rollouts(name, seed):
  """Gymnasium's own environment: start state, then observations, rewards and terminations
  under random actions (10% beyond the action space, which Gymnasium passes on unclipped), and
  for InvertedPendulum one more episode under a balancing linear feedback."""
  env = gymnasium.make(GYM_IDS[name])
  rng = np.random.default_rng(seed)
  episodes = []
  gains = FEEDBACK.get(name)
  for e in range(TASK_EPISODES + (gains is not None)):
    feedback = e == TASK_EPISODES
    obs, _ = env.reset(seed=seed + e)
    data = env.unwrapped.data
    ep = {"qpos": arr(data.qpos), "qvel": arr(data.qvel), "obs0": arr(obs), "action": [],
          "obs": [], "reward": [], "terminated": []}
    low, high = env.action_space.low, env.action_space.high
    if feedback:
      # replaying this open loop would amplify rounding differences around the unstable upright
      # equilibrium, so the test closes the loop itself: a = clip(K obs, low, high) + noise
      ep.update({"feedback_gains": list(gains), "feedback_noise": [], "action_low": arr(low),
                 "action_high": arr(high)})
    for _ in range(FEEDBACK_STEPS if feedback else TASK_STEPS):
      if feedback:
        noise = 0.05 * rng.uniform(-1, 1, low.shape)
        ep["feedback_noise"].append(arr(noise))
        a = np.clip([np.dot(gains, obs)], low, high) + noise
      else:
        a = 0.5 * (low + high) + 1.1 * 0.5 * (high - low) * rng.uniform(-1, 1, low.shape)
      obs, reward, terminated, _, _ = env.step(a.astype(np.float32))
      ep["action"].append(arr(a.astype(np.float32)))
      ep["obs"].append(arr(obs))
      ep["reward"].append(float(reward))
      ep["terminated"].append(bool(terminated))
      if terminated:
        break
    episodes.append(ep)
  env.close()
  return {"gym_id": GYM_IDS[name], "episodes": episodes}


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  default_out = os.path.normpath(
      os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "physics"))
  parser.add_argument("--out", default=default_out)
  args = parser.parse_args()
  if mujoco.__version__ != MUJOCO_VERSION or gymnasium.__version__ != GYMNASIUM_VERSION:
    raise SystemExit(f"goldens are pinned to mujoco {MUJOCO_VERSION}, gymnasium "
                     f"{GYMNASIUM_VERSION}; found {mujoco.__version__}, {gymnasium.__version__}")
  os.makedirs(args.out, exist_ok=True)
  for i, name in enumerate(ASSETS + list(EXTRA_MODELS)):
    if name in EXTRA_MODELS:
      m = mujoco.MjModel.from_xml_string(EXTRA_MODELS[name])
    else:
      m = mujoco.MjModel.from_xml_path(asset_path(name))
    d = mujoco.MjData(m)
    rng = np.random.default_rng(1000 + i)
    states = sample_states(m, d, rng)
    for s in states:
      load_state(m, d, s)
      s["forward"] = forward_outputs(m, d)
      s["step_euler"] = step_result(m, d, s, mujoco.mjtIntegrator.mjINT_EULER)
      s["step_rk4"] = step_result(m, d, s, mujoco.mjtIntegrator.mjINT_RK4)
    golden = {
        "mujoco_version": mujoco.__version__, "gymnasium_version": gymnasium.__version__,
        "asset": name + ".xml" if name in GYM_IDS else "scripts/gen_physics_goldens.py",
        "model": export_model(m), "states": states,
        "trajectory": trajectory(m, d, rng),
    }
    if name in EXTRA_MODELS:
      golden["mjcf"] = EXTRA_MODELS[name]
    if name in GYM_IDS:
      golden["task"] = task_rollouts(name, 2000 + 10 * i)
    path = os.path.join(args.out, name + ".json")
    with open(path, "w") as f:
      json.dump(golden, f, separators=(",", ":"))
    print(f"{path}: {os.path.getsize(path) // 1024} KB, nefc per state "
          f"{[s['forward']['nefc'] for s in states]}")


if __name__ == "__main__":
  main()
