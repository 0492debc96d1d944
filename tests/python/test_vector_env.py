"""stampede.make_vec against Gymnasium's API and environments, and against the C++ engine.

Run with pytest after `pip install .` (scripts/test.sh does both); STAMPEDE_BINARY names the
command line for the checks that compare with it.
"""

import os
import re
import subprocess
import threading

import gymnasium
import numpy as np
import pytest

import stampede

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BINARY = os.environ.get("STAMPEDE_BINARY", os.path.join(ROOT, "build", "stampede"))
POLICIES = os.path.join(ROOT, "tests", "data", "policies")


def random_actions(env, rng):
  space = env.single_action_space
  if isinstance(space, gymnasium.spaces.Discrete):
    return rng.integers(0, space.n, env.num_envs)
  return rng.uniform(space.low, space.high, (env.num_envs, *space.shape)).astype(np.float32)


@pytest.mark.parametrize("task", stampede.tasks())
def test_spaces_match_gymnasium(task):
  env = stampede.make_vec(task, 3)
  ref = gymnasium.make(env.gym_id)
  assert env.num_envs == 3
  a, b = env.single_action_space, ref.action_space
  assert type(a) is type(b)
  if isinstance(b, gymnasium.spaces.Discrete):
    assert a.n == b.n
  else:
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.low, b.low)
    np.testing.assert_array_equal(a.high, b.high)
  o, p = env.single_observation_space, ref.observation_space
  assert o.shape == p.shape
  assert o.dtype == np.float32  # Gymnasium's MuJoCo tasks: float64 (documented)
  np.testing.assert_allclose(o.low, p.low.astype(np.float32), rtol=1e-6)
  np.testing.assert_allclose(o.high, p.high.astype(np.float32), rtol=1e-6)
  assert env.observation_space.shape == (3, *p.shape)
  obs, info = env.reset(seed=0)
  assert obs.shape == (3, *p.shape) and obs.dtype == np.float32
  assert env.metadata["autoreset_mode"] == gymnasium.vector.AutoresetMode.SAME_STEP
  obs, reward, terminated, truncated, info = env.step(random_actions(env, np.random.default_rng(0)))
  assert reward.shape == (3,) and reward.dtype == np.float32
  assert terminated.dtype == np.bool_ and truncated.dtype == np.bool_
  ref.close()


def test_termination_truncation_final_obs_and_episode_stats():
  env = stampede.make_vec("cartpole", 32, seed=3)
  obs, _ = env.reset(seed=3)
  rng = np.random.default_rng(1)
  returns = np.zeros(32)
  lengths = np.zeros(32)
  ended = 0
  for _ in range(300):
    before = obs.copy()
    obs, reward, terminated, truncated, info = env.step(random_actions(env, rng))
    returns += reward
    lengths += 1
    done = terminated | truncated
    assert not (terminated & truncated).any()
    if done.any():
      assert set(info) == {"final_obs", "_final_obs", "episode", "_episode"}
      np.testing.assert_array_equal(info["_final_obs"], done)
      np.testing.assert_allclose(info["episode"]["r"][done], returns[done], rtol=1e-5)
      np.testing.assert_array_equal(info["episode"]["l"][done], lengths[done])
      # CartPole ends by leaving its bounds: the final observation shows it, the new one does not
      final = info["final_obs"][done]
      assert (np.abs(final[:, 2]) > 0.2094 - 1e-6).any() or (np.abs(final[:, 0]) > 2.4).any()
      assert (np.abs(obs[done]) <= 0.05).all()  # the reset draws U(-0.05, 0.05)
      returns[done] = 0
      lengths[done] = 0
      ended += int(done.sum())
    else:
      assert info == {}
    assert not np.shares_memory(before, obs)
  assert ended > 32


def test_pendulum_truncates_at_its_time_limit():
  env = stampede.make_vec("pendulum", 4)
  env.reset(seed=0)
  for step in range(1, 201):
    _, _, terminated, truncated, info = env.step(np.zeros((4, 1), np.float32))
    assert not terminated.any()
    assert truncated.all() == (step == 200)
  assert (info["episode"]["l"] == 200).all()


def test_same_seed_same_trajectory_other_seed_other():
  def rollout(seed):
    env = stampede.make_vec("hopper", 8)
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(0)
    seen = [np.concatenate([obs, np.zeros((8, 1), np.float32)], axis=1)]
    for _ in range(50):
      obs, reward, *_ = env.step(random_actions(env, rng))
      seen.append(np.concatenate([obs, reward[:, None]], axis=1))
    return np.stack(seen)

  np.testing.assert_array_equal(rollout(5), rollout(5))
  assert not np.array_equal(rollout(5), rollout(6))


def test_policy_in_make_vec_returns_what_stampede_eval_returns():
  """The CLI's `stampede eval` runs env i from (seed, i) with deterministic actions; the same
  seed and the loaded policy in make_vec give the same episodes, so the same returns."""
  ckpt = os.path.join(POLICIES, "hopper.ckpt")
  policy = stampede.load_policy(ckpt)
  assert policy.spec["name"] == "hopper" and policy.iteration > 0
  n, seed = 6, 21
  env = stampede.make_vec("hopper", n)
  obs, _ = env.reset(seed=seed)
  first = np.full(n, np.nan)
  while np.isnan(first).any():
    obs, _, terminated, truncated, info = env.step(policy.act(obs))
    done = (terminated | truncated) & np.isnan(first)
    if done.any():
      first[done] = info["episode"]["r"][done]
  out = subprocess.run([BINARY, "eval", ckpt, "--episodes", str(n), "--seed", str(seed)],
                       capture_output=True, text=True, check=True).stdout
  mean = float(re.search(r"mean return (-?[\d.]+)", out).group(1))
  assert abs(first.mean() - mean) <= 0.006, (first, out)


def test_arrays_share_the_engines_buffers():
  env = stampede.make_vec("half_cheetah", 16)
  obs, _ = env.reset(seed=0)
  address = obs.__array_interface__["data"][0]
  arrays = env.step(np.zeros((16, 6), np.float32))[:4]
  assert arrays[0] is obs  # the same array, overwritten in place
  for a in arrays:
    assert not a.flags.owndata  # a view of memory the engine owns
  again = env.step(np.zeros((16, 6), np.float32))
  assert again[0].__array_interface__["data"][0] == address
  assert all(x is y for x, y in zip(arrays, again[:4]))


def test_actions_from_other_dtypes_and_layouts():
  env = stampede.make_vec("half_cheetah", 4)
  env.reset(seed=1)
  a = np.random.default_rng(0).uniform(-1, 1, (4, 6))
  env.step(a.astype(np.float32))
  first = env.step(a.astype(np.float32))[0].copy()
  env.reset(seed=1)
  env.step(a)  # float64: converted
  second = env.step(np.asfortranarray(a.astype(np.float32)))[0]  # another layout: converted
  np.testing.assert_array_equal(first, second)
  cartpole = stampede.make_vec("cartpole", 3)
  cartpole.reset(seed=0)
  for actions in ([0, 1, 1], np.array([0, 1, 1], np.int32), np.array([0., 1., 1.], np.float32)):
    cartpole.step(actions)


def test_torch_tensors_go_in_through_dlpack():
  torch = pytest.importorskip("torch")
  env = stampede.make_vec("cartpole", 4)
  obs, _ = env.reset(seed=0)
  view = torch.from_dlpack(obs)
  assert view.data_ptr() == obs.__array_interface__["data"][0]
  env.step(torch.tensor([0, 1, 0, 1]))
  assert torch.equal(view, torch.from_numpy(obs))


@pytest.mark.parametrize("make, fragment", [
    (lambda: stampede.make_vec("no_such_task", 4), "unknown"),
    (lambda: stampede.make_vec("cartpole", 0), "out of range"),
    (lambda: stampede.make_vec("cartpole", 2.5), "integer"),
    (lambda: stampede.make_vec("cartpole", 4, device="tpu"), "expected 'cpu' or 'cuda'"),
    (lambda: stampede.make_vec("cartpole", 4, device="cuda"), "device='cuda'"),
    (lambda: stampede.make_vec("swimmer", 4, model="/no/such/file.xml"), "does not exist"),
    (lambda: stampede.make_vec("cartpole", 4, model=os.path.join(ROOT, "README.md")), "MuJoCo"),
])
def test_bad_construction_raises_value_error(make, fragment):
  with pytest.raises(ValueError, match=re.escape(fragment)):
    make()


@pytest.mark.parametrize("task, actions, fragment", [
    ("hopper", np.zeros((4, 2), np.float32), "shape (4, 2), expected (4, 3)"),
    ("hopper", np.zeros(12, np.float32), "shape (12), expected (4, 3)"),
    ("hopper", np.full((4, 3), np.nan, np.float32), "not finite"),
    ("hopper", np.zeros((4, 3), np.complex64), "float32, float64, int32, int64 or uint8"),
    ("cartpole", np.array([0, 1, 2, 0]), "not one of the 2 choices"),
    ("cartpole", np.array([0, 1, -1, 0]), "not one of the 2 choices"),
    ("cartpole", np.array([0.5, 1, 1, 0]), "not one of the 2 choices"),
    ("cartpole", ["a", "b", "c", "d"], "numeric array of shape (4,)"),
])
def test_bad_actions_raise_value_error_and_change_nothing(task, actions, fragment):
  env = stampede.make_vec(task, 4)
  obs, _ = env.reset(seed=0)
  before = obs.copy()
  with pytest.raises(ValueError, match=re.escape(fragment)):
    env.step(actions)
  np.testing.assert_array_equal(obs, before)
  assert env._core.steps == 0


def test_step_before_reset_and_bad_seeds():
  env = stampede.make_vec("cartpole", 2)
  with pytest.raises(RuntimeError, match="before reset"):
    env.step([0, 1])
  for seed in (-1, 1.5, [1, 2], True):
    with pytest.raises(ValueError, match="seed"):
      env.reset(seed=seed)


def test_a_user_model_is_stepped():
  asset = os.path.join(ROOT, "envs", "mujoco", "assets", "swimmer.xml")
  a = stampede.make_vec("swimmer", 4, model=asset)
  b = stampede.make_vec("swimmer", 4)
  oa, _ = a.reset(seed=2)
  ob, _ = b.reset(seed=2)
  actions = np.full((4, 2), 0.3, np.float32)
  for _ in range(20):
    a.step(actions)
    b.step(actions)
  np.testing.assert_array_equal(oa, ob)


def test_independent_envs_step_in_threads():
  def run(results, k):
    env = stampede.make_vec("walker2d", 64)
    obs, _ = env.reset(seed=k % 2)
    rng = np.random.default_rng(0)
    for _ in range(100):
      obs, *_ = env.step(random_actions(env, rng))
    results[k] = obs.copy()

  results = {}
  threads = [threading.Thread(target=run, args=(results, k)) for k in range(4)]
  for t in threads:
    t.start()
  for t in threads:
    t.join()
  np.testing.assert_array_equal(results[0], results[2])
  np.testing.assert_array_equal(results[1], results[3])
  assert not np.array_equal(results[0], results[1])
