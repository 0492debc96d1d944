"""stampede.physics against the `mujoco` package (3.3.7) from Python, on the task models and
random states: forward's derived quantities and a few steps, in float32 tolerances."""

import os

import numpy as np
import pytest

import stampede.physics as sp

mujoco = pytest.importorskip("mujoco")

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ASSETS = os.path.join(ROOT, "envs", "mujoco", "assets")


def random_states(model, mj, batch, rng):
  qpos = np.array(mj.qpos0) + rng.uniform(-0.1, 0.1, (batch, model.nq))
  qvel = rng.uniform(-0.5, 0.5, (batch, model.nv))
  ctrl = rng.uniform(-0.4, 0.4, (batch, model.nu))
  return qpos, qvel, ctrl


def mujoco_state(mj, qpos, qvel, ctrl):
  d = mujoco.MjData(mj)
  d.qpos[:], d.qvel[:], d.ctrl[:] = qpos, qvel, ctrl
  return d


@pytest.mark.parametrize("asset", ["hopper", "walker2d", "half_cheetah", "reacher"])
def test_forward_matches_mujoco(asset):
  path = os.path.join(ASSETS, f"{asset}.xml")
  model = sp.Model.from_xml(path)
  mj = mujoco.MjModel.from_xml_path(path)
  assert (model.nq, model.nv, model.nu, model.nbody) == (mj.nq, mj.nv, mj.nu, mj.nbody)
  assert model.body_names[1] == mujoco.mj_id2name(mj, mujoco.mjtObj.mjOBJ_BODY, 1)
  data = model.make_data(16)
  qpos, qvel, ctrl = random_states(model, mj, 16, np.random.default_rng(3))
  data.qpos, data.qvel, data.ctrl = qpos, qvel, ctrl
  sp.forward(model, data)
  for i in range(16):
    d = mujoco_state(mj, qpos[i], qvel[i], ctrl[i])
    mujoco.mj_forward(mj, d)
    for name in ("xpos", "xquat", "cinert", "cvel", "qfrc_actuator", "qfrc_bias", "subtree_com"):
      ours, theirs = getattr(data, name)[i], getattr(d, name)
      scale = max(1.0, np.abs(theirs).max())
      np.testing.assert_allclose(ours, theirs, atol=2e-5 * scale, err_msg=f"{asset} {name}")


def test_steps_match_mujoco_and_views_follow():
  path = os.path.join(ASSETS, "hopper.xml")
  model = sp.Model.from_xml(path)
  mj = mujoco.MjModel.from_xml_path(path)
  data = model.make_data(4)
  qpos_view = data.qpos
  qpos, qvel, ctrl = random_states(model, mj, 4, np.random.default_rng(7))
  data.qpos, data.qvel, data.ctrl = qpos, qvel, ctrl
  data.step(20)
  assert qpos_view is data.qpos and not np.array_equal(qpos_view, qpos)  # in place
  for i in range(4):
    d = mujoco_state(mj, qpos[i], qvel[i], ctrl[i])
    for _ in range(20):
      mujoco.mj_step(mj, d)
    np.testing.assert_allclose(data.qpos[i], d.qpos, atol=1e-4)
    np.testing.assert_allclose(data.qvel[i], d.qvel, atol=1e-3)
  np.testing.assert_allclose(data.time, 20 * mj.opt.timestep, rtol=1e-5)
  assert data.bad_state_resets == [0, 0, 0, 0]


def test_xml_text_bad_states_and_errors():
  xml = """<mujoco><worldbody><body><joint type="slide" axis="0 0 1"/>
           <geom type="sphere" size="0.1"/></body></worldbody></mujoco>"""
  model = sp.Model.from_xml(xml)
  data = model.make_data(3)
  data.qvel[1] = np.nan  # a diverged state: reset to qpos0 and stepped on, as mj_step does
  data.step(5)
  assert data.bad_state_resets == [0, 1, 0]
  assert np.isfinite(data.qpos).all()
  np.testing.assert_allclose(data.qvel[0], -9.81 * 5 * 0.002, rtol=1e-4)  # free fall
  with pytest.raises(AttributeError, match="computed by forward"):
    data.xpos = 0
  with pytest.raises(ValueError, match="does not exist"):
    sp.Model.from_xml("/no/such/model.xml")
  with pytest.raises(ValueError):
    sp.Model.from_xml("<mujoco><worldbody><geom type='mesh'/></worldbody></mujoco>")
  with pytest.raises(ValueError, match="out of range"):
    model.make_data(0)
  with pytest.raises(ValueError, match="negative"):
    data.step(-1)
