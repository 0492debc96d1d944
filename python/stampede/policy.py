"""train and load_policy: the native trainer and trained policies from Python."""

import os
import re

import numpy as np

from . import _core


def _flag(key, value):
  name = "--" + str(key).replace("_", "-")
  if isinstance(value, bool):
    return [name if value else "--no-" + name[2:]]
  if isinstance(value, (list, tuple)):
    return [f"{name}={','.join(str(v) for v in value)}"]
  return [f"{name}={value}"]


def train(config=None, **overrides):
  """Runs the native trainer (`stampede train`) and returns the run directory.

  `config`: a dict of options (the TOML keys: {"env": "hopper", "num_envs": 32, ...}) or the
  path of a TOML config file; keyword arguments override it. Progress goes to stdout as the
  command line prints it. Errors raise ValueError (a bad option, exit code 2), RuntimeError
  (training diverged, or an internal error) or KeyboardInterrupt (Ctrl-C: the run stops after a
  checkpoint and can be resumed with train(resume=run_dir)).
  """
  args = []
  options = dict(overrides)
  if isinstance(config, (str, os.PathLike)):
    args += ["--config", os.fspath(config)]
  elif isinstance(config, dict):
    options = {**config, **overrides}
  elif config is not None:
    raise ValueError(f"config must be a dict or a TOML file's path, not {type(config).__name__}")
  resume = options.pop("resume", None)
  if resume is not None:
    args += ["--resume", os.fspath(resume)]
  for key, value in options.items():
    args += _flag(key, value)
  code, out, err = _core.train(args)
  if code in (130, 143):
    raise KeyboardInterrupt(err.strip() or out.strip().splitlines()[-1])
  if code == 2:
    raise ValueError(err.strip().removeprefix("error: "))
  if code != 0:
    raise RuntimeError(err.strip().removeprefix("error: "))
  found = re.search(r"^policy checkpoint: (.*)$", out, re.MULTILINE)
  if not found:
    raise RuntimeError(f"train finished without naming its checkpoint: {out}")
  return os.path.dirname(found.group(1))


class Policy:
  """A trained policy: deterministic actions (the Gaussian mean clipped to the action bounds, or
  the arg-max) on raw observations, as `stampede eval` and the exported ONNX graph compute them,
  with the run's observation normalisation."""

  def __init__(self, path):
    self._core = _core.Policy(os.fspath(path))
    self.spec = self._core.spec
    self.iteration = self._core.iteration
    self.discrete = self.spec["num_actions"] > 0

  def _obs(self, obs):
    if not hasattr(obs, "__dlpack__"):
      obs = np.asarray(obs, np.float32)
    single = getattr(obs, "ndim", 2) == 1
    if single:
      obs = np.asarray(obs, np.float32)[None]
    return obs, single

  def act(self, obs, seed=None):
    """Actions for a batch of observations [B, obs_dim] (or one [obs_dim]): float32 [B, act_dim],
    or int64 [B] for discrete tasks. With `seed`, sampled from the policy's distribution."""
    obs, single = self._obs(obs)
    actions = self._core.act(obs, seed)
    if self.discrete:
      actions = actions[:, 0].astype(np.int64)
    return actions[0] if single else actions

  def value(self, obs):
    """The critic's value of each observation: float32 [B]."""
    obs, single = self._obs(obs)
    values = self._core.value(obs)
    return values[0] if single else values

  __call__ = act


def load_policy(run_dir):
  """The policy of a run directory (its checkpoint.bin) or of a checkpoint file."""
  return Policy(run_dir)
