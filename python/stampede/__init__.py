"""Stampede from Python: its batched environments and its trainer, zero-copy.

    import stampede
    envs = stampede.make_vec("hopper", 4096, seed=0)    # a Gymnasium VectorEnv
    obs, info = envs.reset(seed=0)                       # NumPy views of the engine's buffers
    obs, reward, terminated, truncated, info = envs.step(actions)
    run_dir = stampede.train({"env": "cartpole", "total_steps": 100_000})
    policy = stampede.load_policy(run_dir)
    actions = policy.act(obs)

See README.md ("Python") for the semantics: autoreset, when arrays are overwritten, dtypes.
"""

from . import _core, physics
from .policy import Policy, load_policy, train
from .vector import StampedeVectorEnv, make_vec

__version__ = _core.version()
__all__ = ["make_vec", "StampedeVectorEnv", "train", "load_policy", "Policy", "tasks",
           "set_threads", "physics"]


def tasks():
  """Our names of every task, as `stampede envs` lists them."""
  return list(_core.tasks())


def set_threads(threads: int):
  """Threads of the CPU backend from now on (0: every hardware thread). Results do not depend on
  it: every environment and every row is computed by one thread in a fixed order."""
  _core.set_threads(int(threads))
