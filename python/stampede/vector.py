"""make_vec: Stampede's environments behind Gymnasium's VectorEnv API."""

import math

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from . import _core

# Gymnasium 1.2.2's observation bounds for the classic-control tasks (the MuJoCo tasks' are
# unbounded); tests/python checks them against Gymnasium's own environments
_OBS_HIGH = {
    "cartpole": [4.8, math.inf, 0.41887903, math.inf],
    "acrobot": [1.0, 1.0, 1.0, 1.0, 4 * math.pi, 9 * math.pi],
    "pendulum": [1.0, 1.0, 8.0],
}
_OBS_BOX = {"mountain_car_continuous": ([-1.2, -0.07], [0.6, 0.07])}


def _observation_space(spec):
  name, dim = spec["name"], spec["obs_dim"]
  if name in _OBS_BOX:
    low, high = _OBS_BOX[name]
  elif name in _OBS_HIGH:
    high = _OBS_HIGH[name]
    low = [-h for h in high]
  else:
    low, high = [-math.inf] * dim, [math.inf] * dim
  return spaces.Box(np.array(low, np.float32), np.array(high, np.float32), (dim,), np.float32)


def _action_space(spec):
  if spec["num_actions"] > 0:
    return spaces.Discrete(spec["num_actions"])
  return spaces.Box(np.array(spec["action_low"], np.float32),
                    np.array(spec["action_high"], np.float32), (spec["act_dim"],), np.float32)


class StampedeVectorEnv(VectorEnv):
  """N environments of one Stampede task, stepped together by the C++ engine.

  Follows Gymnasium 1.x's VectorEnv API with autoreset mode SAME_STEP: an environment whose
  episode ends in step() is reset within that call, the returned observation is the new
  episode's first, and info["final_obs"][i] holds the observation that ended it (rows where
  info["_final_obs"] is True). info["episode"]["r"] / ["l"] give the return and length of the
  episodes that ended (mask info["_episode"]), as Gymnasium's RecordEpisodeStatistics does.

  Zero-copy: obs, reward, terminated, truncated and the info arrays are NumPy views of the
  engine's buffers. They are the same arrays every step and the next step() or reset()
  overwrites them: copy what you keep (np.copy, torch.tensor). Actions go in without a copy when
  they are float32 and C-contiguous on the CPU (NumPy, or PyTorch/JAX through DLPack); other
  dtypes are converted. Observations are float32 (Gymnasium's MuJoCo tasks use float64).
  """

  metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

  def __init__(self, task, num_envs, seed=None, model=None, device="cpu"):
    if device not in ("cpu", "cuda"):
      raise ValueError(f"device={device!r}: expected 'cpu' or 'cuda'")
    if device == "cuda":
      raise ValueError("device='cuda': the Python package steps environments on the CPU "
                       "backend only so far; use device='cpu' (the trainer uses the GPU: "
                       "stampede.train({..., 'device': 'cuda'}))")
    if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)):
      raise ValueError(f"num_envs must be an integer, not {num_envs!r}")
    self._core = _core.VecEnv(str(task), int(num_envs), "" if model is None else str(model))
    spec = self._core.spec
    self.task = spec["name"]
    self.gym_id = spec["gym_id"]
    self.num_envs = int(num_envs)
    self.device = device
    self.render_mode = None
    self.single_observation_space = _observation_space(spec)
    self.single_action_space = _action_space(spec)
    self.observation_space = batch_space(self.single_observation_space, self.num_envs)
    self.action_space = batch_space(self.single_action_space, self.num_envs)
    self.max_episode_steps = spec["max_episode_steps"]
    self._seeds = np.random.default_rng(seed)
    buffers = self._core.buffers()  # views of the engine's memory, the same for every step
    self._obs, self._final_obs = buffers["obs"], buffers["final_obs"]
    self._reward, self._terminated = buffers["reward"], buffers["terminated"]
    self._truncated, self._bad_state_resets = buffers["truncated"], buffers["bad_state_resets"]
    self._ended_return, self._ended_length = buffers["ended_return"], buffers["ended_length"]
    self._was_reset = False

  def reset(self, *, seed=None, options=None):
    """Every environment to a fresh episode. An integer seed fixes them all (the same seed, the
    same episodes and, under the same actions, the same trajectories); without one the next seed
    comes from the generator make_vec's seed started."""
    if seed is None:
      seed = int(self._seeds.integers(0, 2**63))
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
      raise ValueError(f"seed must be one non-negative integer for all environments, not {seed!r}")
    else:
      self._seeds = np.random.default_rng(seed)
    if options:
      raise ValueError(f"reset options are not supported: {sorted(options)}")
    self._core.reset(int(seed))
    self._was_reset = True
    return self._obs, {}

  def step(self, actions):
    if not self._was_reset:
      raise RuntimeError("step() before reset(): call reset() first")
    if not hasattr(actions, "__dlpack__"):
      actions = np.asarray(actions)
    try:
      self._core.step(actions)
    except TypeError as e:  # an object DLPack cannot export (strings, tensors needing grad)
      raise ValueError(f"actions must be a numeric array of shape {self.action_space.shape}: "
                       f"{e}") from None
    infos = {}
    done = np.logical_or(self._terminated, self._truncated)
    if done.any():
      infos = {"final_obs": self._final_obs, "_final_obs": done,
               "episode": {"r": self._ended_return, "l": self._ended_length}, "_episode": done}
    return self._obs, self._reward, self._terminated, self._truncated, infos

  def close_extras(self, **kwargs):
    self._core = None

  @property
  def bad_state_resets(self):
    """Per environment: diverged physics states reset to qpos0 since reset() (as MuJoCo does)."""
    return self._bad_state_resets


def make_vec(task, num_envs, device="cpu", seed=None, model=None):
  """N environments of `task` (our name or its Gymnasium id, e.g. "hopper" or "Hopper-v5"), as a
  Gymnasium VectorEnv. `model`: a MuJoCo task on a user's MJCF file instead of its own model."""
  return StampedeVectorEnv(task, num_envs, seed=seed, model=model, device=device)
