"""stampede.train and stampede.load_policy: the native trainer and its policies from Python."""

import os
import re
import subprocess

import numpy as np
import pytest

import stampede

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BINARY = os.environ.get("STAMPEDE_BINARY", os.path.join(ROOT, "build", "stampede"))


def test_train_returns_the_run_and_its_policy_acts(tmp_path):
  run = tmp_path / "cartpole"
  out = stampede.train({"env": "cartpole", "total_steps": 4096, "num_envs": 8, "seed": 3,
                        "actor_hidden": [32, 32], "norm_obs": False}, run_dir=str(run), quiet=True)
  assert out == str(run)
  assert (run / "checkpoint.bin").exists() and (run / "log.csv").exists()
  with open(run / "config.json") as f:
    text = f.read()
  assert '"actor_hidden": [\n    32,\n    32\n  ]' in text and '"norm_obs": false' in text

  policy = stampede.load_policy(run)
  obs = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
  actions = policy.act(obs)
  assert actions.dtype == np.int64 and actions.shape == (5,)
  assert set(actions.tolist()) <= {0, 1}
  assert policy.act(obs[0]) == actions[0]
  assert policy.value(obs).shape == (5,)
  sampled = policy.act(np.repeat(obs[:1], 200, axis=0), seed=1)
  assert set(sampled.tolist()) == {0, 1}  # a near-uniform untrained policy samples both

  # resume for more steps, as the command line does
  assert stampede.train(resume=str(run), total_steps=8192, quiet=True) == str(run)
  assert stampede.load_policy(run).iteration == 8


def test_train_from_a_toml_file_with_overrides(tmp_path):
  config = tmp_path / "c.toml"
  config.write_text('env = "pendulum"\nnum_envs = 4\ntotal_steps = 2048\n')
  run = stampede.train(config, run_dir=str(tmp_path / "p"), num_steps=64, quiet=True)
  policy = stampede.load_policy(run)
  assert policy.spec["name"] == "pendulum"
  actions = policy.act(np.zeros((3, 3), np.float32))
  assert actions.shape == (3, 1) and actions.dtype == np.float32
  assert (np.abs(actions) <= 2.0).all()  # the Gaussian mean clipped to the action bounds


def test_policy_matches_stampede_eval_on_the_committed_walker():
  ckpt = os.path.join(ROOT, "tests", "data", "policies", "walker2d.ckpt")
  policy = stampede.load_policy(ckpt)
  env = stampede.make_vec("walker2d", 3)
  obs, _ = env.reset(seed=8)
  first = np.full(3, np.nan)
  while np.isnan(first).any():
    obs, _, terminated, truncated, info = env.step(policy(obs))
    done = (terminated | truncated) & np.isnan(first)
    if done.any():
      first[done] = info["episode"]["r"][done]
  out = subprocess.run([BINARY, "eval", ckpt, "--episodes", "3", "--seed", "8"],
                       capture_output=True, text=True, check=True).stdout
  assert abs(first.mean() - float(re.search(r"mean return (-?[\d.]+)", out).group(1))) <= 0.006


@pytest.mark.parametrize("kwargs, fragment", [
    ({"env": "nosuch"}, "unknown env"),
    ({"env": "cartpole", "num_envs": -3}, "num_envs = -3 is out of range"),
    ({"env": "cartpole", "no_such_option": 1}, "--no-such-option"),
])
def test_bad_options_raise_value_error(tmp_path, kwargs, fragment):
  with pytest.raises(ValueError, match=re.escape(fragment)):
    stampede.train(kwargs, run_dir=str(tmp_path / "r"), quiet=True)


def test_bad_policies_raise_value_error(tmp_path):
  with pytest.raises(ValueError, match="does not exist"):
    stampede.load_policy(tmp_path / "missing")
  forged = tmp_path / "forged.ckpt"
  forged.write_bytes(b"not a checkpoint at all" * 10)
  with pytest.raises(ValueError):
    stampede.load_policy(forged)
  policy = stampede.load_policy(os.path.join(ROOT, "tests", "data", "policies", "hopper.ckpt"))
  with pytest.raises(ValueError, match="expected"):
    policy.act(np.zeros((2, 5), np.float32))
