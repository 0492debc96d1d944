#!/usr/bin/env python3
"""Regenerate the physics goldens in tests/data/physics/ from the `mujoco` Python package.

For each of Gymnasium's contact-free MuJoCo assets this compiles the model with MuJoCo, exports the
compiled arrays the engine's Model needs (so the dynamics tests do not depend on our MJCF loader),
samples states from short random-control rollouts (plus states pushed near the joint limits),
and records at each state the outputs of every forward stage, the result of one step with Euler
and with RK4, a 100-step trajectory under recorded random controls, and episodes of Gymnasium's v5 task
environments (start state, actions, observations, rewards, terminations).

Pinned reference: mujoco==3.3.7, gymnasium==1.2.2 (assets from the installed package).

Usage: python scripts/gen_physics_goldens.py [--out tests/data/physics] [--models NAME ...]
"""

import argparse
import json
import os

import gymnasium
import mujoco
import numpy as np

from mujoco_export import (GYMNASIUM_VERSION, MUJOCO_VERSION, arr, export_model, gym_asset_file,
                           iarr)
from stampede_policy import Policy
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
# models of our own with contacts (tests/data/physics/models/): free bodies dropped on a floor and
# on each other, a pendulum striking a crate, a box sliding down a ramp, capsules on boxes
MODEL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data",
                         "physics", "models")
# plus random ones from scripts/gen_contact_models.py
CONTACT_MODELS = ["contact_drop", "contact_strike", "contact_capsule_box", "random_contacts_1",
                  "random_contacts_2", "random_contacts_3", "random_contacts_4"]
# states visited by a trained policy (tests/data/policies/<task>.ckpt) in Gymnasium's environment:
# the gaits training produces, with the contacts they make, rather than random flailing
POLICY_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data",
                          "policies")
POLICY_STATES = 4
FEEDBACK_STEPS = 200
TASK_EPISODES = 3
TASK_STEPS = 50  # per episode, fewer when it terminates
ROLLOUT_STATES = 4  # states sampled from the random-control rollout
LIMIT_STATES = 2  # states with limited joints pushed to their ranges
CONTACT_STATES = 10  # models with contacts: states sampled further apart, most of them in contact
TRAJ_STEPS = 100
SENSITIVITY_EPS = 1e-6  # start-state perturbation for MuJoCo's own drift along a trajectory
SENSITIVITY_HORIZONS = (10, 50, 100)
SOLVER_EPS = 1e-7  # relative state perturbation for the solver's conditioning


def asset_path(name):
  root = os.path.dirname(gymnasium.__file__)
  return os.path.join(root, "envs", "mujoco", "assets", gym_asset_file(name))


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


def contacts_of(m, d):
  """The contact set after collision, in MuJoCo's order."""
  c = d.contact
  n = d.ncon
  return {
      "ncon": int(n), "geom1": iarr(c.geom1[:n]), "geom2": iarr(c.geom2[:n]),
      "dist": arr(c.dist[:n]), "pos": arr(c.pos[:n]), "frame": arr(c.frame[:n]),
      "dim": iarr(c.dim[:n]), "includemargin": arr(c.includemargin[:n]),
      "friction": arr(c.friction[:n]), "solref": arr(c.solref[:n]), "solimp": arr(c.solimp[:n]),
      "mu": arr(c.mu[:n]), "exclude": iarr(c.exclude[:n]), "efc_address": iarr(c.efc_address[:n]),
  }


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
      "contacts": contacts_of(m, d),
  }


def solver_sensitivity(m, d, s):
  """How far MuJoCo's own solver output (efc_force, qfrc_constraint, qacc; scaled error) moves when
  qpos and qvel change by what float32 resolves (1e-7 relative, worst of three draws): the
  conditioning of the constraint problem, which bounds how closely a float32 solver can agree."""
  load_state(m, d, s)
  mujoco.mj_forward(m, d)
  ref = [np.array(d.efc_force[:d.nefc]), np.array(d.qfrc_constraint), np.array(d.qacc)]
  rows = np.array(d.efc_id[:d.nefc])
  worst = 0.0
  for seed in range(3):
    rng = np.random.default_rng(seed)
    load_state(m, d, s)
    d.qpos[:] += SOLVER_EPS * (1 + np.abs(d.qpos)) * rng.uniform(-1, 1, m.nq)
    d.qvel[:] += SOLVER_EPS * (1 + np.abs(d.qvel)) * rng.uniform(-1, 1, m.nv)
    mujoco.mj_forward(m, d)
    got = [np.array(d.efc_force[:d.nefc]), np.array(d.qfrc_constraint), np.array(d.qacc)]
    same_rows = d.nefc == len(rows) and np.array_equal(d.efc_id[:d.nefc], rows)
    for k in range(0 if same_rows else 1, 3):
      if len(ref[k]):
        worst = max(worst, scaled_error(got[k], ref[k]))
  return worst


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


def has_contacts(m, d, rng):
  """Whether a random-control rollout of 2000 steps ever makes a contact."""
  reset_noisy(m, d, rng, 0.1)
  for _ in range(2000):
    d.ctrl[:] = random_ctrl(m, rng)
    mujoco.mj_step(m, d)
    if d.ncon:
      return True
  return False


def sample_states(m, d, rng, contacts):
  states = []
  reset_noisy(m, d, rng, 0.1)
  for k in range(CONTACT_STATES if contacts else ROLLOUT_STATES):
    for _ in range(int(rng.integers(20, 150) if contacts else rng.integers(5, 40))):
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


def policy_states(name, rng):
  """POLICY_STATES states along 400 steps of the task's trained policy, at random steps from 20 on,
  each with the policy's action as the control (none without a checkpoint)."""
  path = os.path.join(POLICY_DIR, name + ".ckpt")
  if name not in GYM_IDS or not os.path.exists(path):
    return []
  env = gymnasium.make(GYM_IDS[name])
  space = env.action_space
  policy = Policy(path, env.observation_space.shape[0], space.shape[0], space.low, space.high)
  picks = set(int(k) for k in rng.choice(np.arange(20, 400), POLICY_STATES, replace=False))
  obs, _ = env.reset(seed=int(rng.integers(1 << 30)))
  states = []
  for step in range(400):
    a = policy(obs)
    if step in picks:
      d = env.unwrapped.data
      d.ctrl[:] = a
      states.append(state_of(d))
    obs, _, terminated, _, _ = env.step(a)
    if terminated:  # a policy that falls starts again; its states count all the same
      obs, _ = env.reset(seed=int(rng.integers(1 << 30)))
  env.close()
  return states


def trajectory(m, d, rng, contacts):
  """TRAJ_STEPS steps under random controls; with contacts, from a contact-rich state reached by
  random controls first (a hopper on the ground, boxes at rest)."""
  reset_noisy(m, d, rng, 0.1)
  while contacts and d.ncon < 2:
    d.ctrl[:] = random_ctrl(m, rng)
    mujoco.mj_step(m, d)
    if d.time > 20:
      raise SystemExit("no contact-rich state within 20 s")
  start = state_of(d)
  ctrls, qpos, qvel = [], [], []
  for _ in range(TRAJ_STEPS):
    c = random_ctrl(m, rng)
    d.ctrl[:] = c
    mujoco.mj_step(m, d)
    ctrls.append(arr(c))
    qpos.append(arr(d.qpos))
    qvel.append(arr(d.qvel))
  traj = {"start": start, "ctrl": ctrls, "qpos": qpos, "qvel": qvel}
  traj["sensitivity"] = sensitivity(m, d, traj)
  return traj


def scaled_error(x, ref):
  x, ref = np.asarray(x), np.asarray(ref)
  return float(np.max(np.abs(x - ref) / (1 + np.abs(ref))))


def sensitivity(m, d, traj):
  """How far MuJoCo itself drifts from the trajectory when its start state is perturbed by
  SENSITIVITY_EPS (three draws): the worst scaled qpos and qvel errors within each horizon of
  SENSITIVITY_HORIZONS. Contact-rich and chaotic models (HalfCheetah) amplify any difference, float32
  rounding included, so their trajectory tolerance is set against this."""
  worst = {h: [0.0, 0.0] for h in SENSITIVITY_HORIZONS}
  for seed in range(3):
    noise = np.random.default_rng(seed)
    load_state(m, d, traj["start"])
    d.qpos[:] += SENSITIVITY_EPS * noise.uniform(-1, 1, m.nq)
    d.qvel[:] += SENSITIVITY_EPS * noise.uniform(-1, 1, m.nv)
    eq = ev = 0.0
    for t, c in enumerate(traj["ctrl"]):
      d.ctrl[:] = c
      mujoco.mj_step(m, d)
      eq = max(eq, scaled_error(d.qpos, traj["qpos"][t]))
      ev = max(ev, scaled_error(d.qvel, traj["qvel"][t]))
      if t + 1 in worst:
        worst[t + 1] = [max(worst[t + 1][0], eq), max(worst[t + 1][1], ev)]
  return {"eps": SENSITIVITY_EPS, "horizons": list(SENSITIVITY_HORIZONS),
          "qpos": [worst[h][0] for h in SENSITIVITY_HORIZONS],
          "qvel": [worst[h][1] for h in SENSITIVITY_HORIZONS]}


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
    if not feedback:
      ep["drift"] = episode_drift(env, ep)
    episodes.append(ep)
  env.close()
  return {"gym_id": GYM_IDS[name], "episodes": episodes}


def episode_drift(env, ep):
  """Per step, the largest scaled difference of observation and reward between the episode and
  its replay from a start state perturbed by SENSITIVITY_EPS (worst of three draws), running
  maximum: how much Gymnasium's own environment amplifies a tiny difference (HalfCheetah's
  contacts do, strongly)."""
  u = env.unwrapped
  worst = np.zeros(len(ep["reward"]))
  for seed in range(3):
    noise = np.random.default_rng(seed)
    env.reset(seed=0)
    qpos = np.asarray(ep["qpos"]) + SENSITIVITY_EPS * noise.uniform(-1, 1, u.model.nq)
    qvel = np.asarray(ep["qvel"]) + SENSITIVITY_EPS * noise.uniform(-1, 1, u.model.nv)
    u.set_state(qpos, qvel)
    running = 0.0
    for t, a in enumerate(ep["action"]):
      obs, reward, _, _, _ = env.step(np.asarray(a, dtype=np.float32))
      running = max(running, scaled_error(obs, ep["obs"][t]),
                    scaled_error([reward], [ep["reward"][t]]))
      worst[t] = max(worst[t], running)
  return arr(worst)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  default_out = os.path.normpath(
      os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "physics"))
  parser.add_argument("--out", default=default_out)
  parser.add_argument("--models", nargs="+", choices=ASSETS + list(EXTRA_MODELS) + CONTACT_MODELS,
                      help="only these (default: all)")
  args = parser.parse_args()
  if mujoco.__version__ != MUJOCO_VERSION or gymnasium.__version__ != GYMNASIUM_VERSION:
    raise SystemExit(f"goldens are pinned to mujoco {MUJOCO_VERSION}, gymnasium "
                     f"{GYMNASIUM_VERSION}; found {mujoco.__version__}, {gymnasium.__version__}")
  os.makedirs(args.out, exist_ok=True)
  for i, name in enumerate(ASSETS + list(EXTRA_MODELS) + CONTACT_MODELS):
    if args.models and name not in args.models:
      continue
    if name in EXTRA_MODELS:
      m = mujoco.MjModel.from_xml_string(EXTRA_MODELS[name])
    elif name in CONTACT_MODELS:
      m = mujoco.MjModel.from_xml_path(os.path.join(MODEL_DIR, name + ".xml"))
    else:
      m = mujoco.MjModel.from_xml_path(asset_path(name))
    d = mujoco.MjData(m)
    rng = np.random.default_rng(1000 + i)
    contacts = has_contacts(m, d, np.random.default_rng(1))
    states = sample_states(m, d, rng, contacts)
    states += policy_states(name, np.random.default_rng(3000 + i))
    for s in states:
      load_state(m, d, s)
      s["forward"] = forward_outputs(m, d)
      s["forward"]["solver_sensitivity"] = solver_sensitivity(m, d, s)
      s["step_euler"] = step_result(m, d, s, mujoco.mjtIntegrator.mjINT_EULER)
      s["step_rk4"] = step_result(m, d, s, mujoco.mjtIntegrator.mjINT_RK4)
    source = "scripts/gen_physics_goldens.py"
    if name in GYM_IDS:
      source = gym_asset_file(name)
    elif name in CONTACT_MODELS:
      source = "tests/data/physics/models/" + name + ".xml"
    golden = {
        "mujoco_version": mujoco.__version__, "gymnasium_version": gymnasium.__version__,
        "asset": source,
        "model": export_model(m), "states": states,
        "trajectory": trajectory(m, d, rng, contacts),
    }
    if name in EXTRA_MODELS:
      golden["mjcf"] = EXTRA_MODELS[name]
    if name in GYM_IDS:
      golden["task"] = task_rollouts(name, 2000 + 10 * i)
    path = os.path.join(args.out, name + ".json")
    with open(path, "w") as f:
      json.dump(golden, f, separators=(",", ":"))
    print(f"{path}: {os.path.getsize(path) // 1024} KB, nefc per state "
          f"{[s['forward']['nefc'] for s in states]}, ncon "
          f"{[s['forward']['contacts']['ncon'] for s in states]}")


if __name__ == "__main__":
  main()
