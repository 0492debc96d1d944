"""A Stampede checkpoint's deterministic policy in numpy, for running it in Gymnasium.

Reads the checkpoint format of host/checkpoint.hpp (magic, version, JSON header listing the arrays,
array bytes, FNV-1a 64 checksum) and evaluates the actor exactly as ppo/act.hpp's policy_action
does without sampling, up to float rounding (numpy sums in another order): normalise the
observation with the stored running statistics (clipped), tanh MLP (ppo/policy_layout.hpp: per
layer W [out, in] row-major then b [out]), Gaussian mean clipped to the action bounds.
"""

import json
import struct

import numpy as np

MAGIC = b"STMPDCKP"
VERSION = 1
DTYPES = {"f32": np.float32, "f64": np.float64, "i32": np.int32}


def fnv1a64(data):
  h = 0xcbf29ce484222325
  for b in data:
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
  return h


def read_checkpoint(path):
  """(config dict, {array name: numpy array}) of a checkpoint file."""
  with open(path, "rb") as f:
    raw = f.read()
  if raw[:8] != MAGIC:
    raise ValueError(f"{path}: not a stampede checkpoint")
  version, = struct.unpack_from("<I", raw, 8)
  if version != VERSION:
    raise ValueError(f"{path}: checkpoint format {version}, this script reads {VERSION}")
  stored, = struct.unpack_from("<Q", raw, len(raw) - 8)
  if fnv1a64(raw[:-8]) != stored:
    raise ValueError(f"{path}: checksum mismatch")
  header_len, = struct.unpack_from("<Q", raw, 16)
  header = json.loads(raw[24:24 + header_len])
  arrays, offset = {}, 24 + header_len
  for a in header["arrays"]:
    dtype = np.dtype(DTYPES[a["dtype"]])
    arrays[a["name"]] = np.frombuffer(raw, dtype, a["count"], offset).copy()
    offset += a["count"] * dtype.itemsize
  return header["config"], arrays


class Policy:
  """obs -> deterministic action of a continuous-action checkpoint."""

  def __init__(self, path, obs_dim, act_dim, low, high):
    config, arrays = read_checkpoint(path)
    self.env = config["env"]
    self.obs_clip = np.float32(config["obs_clip"])
    self.norm_obs = bool(config["norm_obs"])
    self.mean = arrays["obs_mean"].astype(np.float32)
    self.var = arrays["obs_var"].astype(np.float32)
    params = arrays["params"]
    widths = [obs_dim] + list(config["actor_hidden"]) + [act_dim]
    self.layers, offset = [], 0
    for n_in, n_out in zip(widths[:-1], widths[1:]):
      w = params[offset:offset + n_in * n_out].reshape(n_out, n_in)
      offset += n_in * n_out
      b = params[offset:offset + n_out]
      offset += n_out
      self.layers.append((w, b))
    expected = offset + act_dim + sum(  # + log_std + critic
        n_in * n_out + n_out for n_in, n_out in zip(
            [obs_dim] + list(config["critic_hidden"]), list(config["critic_hidden"]) + [1]))
    if params.size != expected:
      raise ValueError(f"{path}: {params.size} parameters, expected {expected} for obs {obs_dim}, "
                       f"actions {act_dim}")
    self.low = np.asarray(low, np.float32)
    self.high = np.asarray(high, np.float32)

  def __call__(self, obs):
    x = np.asarray(obs, np.float32)
    if self.norm_obs:
      x = np.clip((x - self.mean) / np.sqrt(self.var + np.float32(1e-8)), -self.obs_clip,
                  self.obs_clip)
    for i, (w, b) in enumerate(self.layers):
      x = w @ x + b
      if i + 1 < len(self.layers):
        x = np.tanh(x)
    return np.clip(x, self.low, self.high)
