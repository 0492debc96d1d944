#!/usr/bin/env python3
"""Env-only steps/s through Python (stampede.make_vec) beside the native figure of the same
engine (`stampede bench`, env-only) and, where installed, Gymnasium's own vector environments and
EnvPool, for one task at several num_envs, interleaved in one run with the same threads.

Each figure is the median of --repeats timed repeats; the Python side steps pre-drawn random
actions (the native bench steps its own), so both time the environments and the calls around
them, nothing else. Prints one row per num_envs with the Python / native ratio.

Usage:
  python bench/python_vec_env.py --stampede build/stampede --env cartpole \
      --num-envs 64,1024,4096,16384 --threads 2
Needs: numpy, gymnasium, the stampede package (`pip install .`); envpool is optional.
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import gymnasium
import numpy as np

import stampede


def native_sps(binary, env, n, steps, threads):
  with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, "bench.json")
    subprocess.run([binary, "bench", "--env", env, "--device", "cpu", "--num-envs", str(n),
                    "--env-steps", str(steps), "--skip-update", "--threads", str(threads),
                    "--warmup", "1", "--repeats", "1", "--json", out],
                   check=True, capture_output=True)
    with open(out) as f:
      return json.load(f)["throughput"][0]["env_sps"]


def timed(step, actions, steps):
  start = time.perf_counter()
  for k in range(steps):
    step(actions[k % len(actions)])
  return steps / (time.perf_counter() - start)


def python_sps(env_name, n, steps):
  env = stampede.make_vec(env_name, n)
  env.reset(seed=0)
  env.action_space.seed(0)
  actions = [env.action_space.sample() for _ in range(8)]
  actions = [np.asarray(a, np.float32 if a.dtype.kind == "f" else np.int64) for a in actions]
  timed(env.step, actions, 4)
  return timed(env.step, actions, steps) * n


def gymnasium_sps(gym_id, n, steps):
  env = gymnasium.make_vec(gym_id, n, vectorization_mode="sync")
  env.reset(seed=0)
  actions = [env.action_space.sample() for _ in range(8)]
  timed(env.step, actions, 2)
  return timed(env.step, actions, steps) * n


def envpool_sps(gym_id, n, steps, threads):
  try:
    import envpool
  except ImportError:
    return None
  env = envpool.make_gymnasium(gym_id.replace("-v5", "-v4"), num_envs=n, num_threads=threads)
  env.reset()
  actions = [env.action_space.sample() for _ in range(8)]
  timed(env.step, actions, 2)
  return timed(env.step, actions, steps) * n


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--stampede", default="build/stampede")
  p.add_argument("--env", default="cartpole")
  p.add_argument("--num-envs", default="64,1024,4096,16384")
  p.add_argument("--env-steps", type=int, default=0, help="steps per repeat (0: ~2M transitions)")
  p.add_argument("--repeats", type=int, default=5)
  p.add_argument("--threads", type=int, default=2)
  p.add_argument("--gymnasium-max-envs", type=int, default=1024,
                 help="Gymnasium's SyncVectorEnv only up to this many environments (slow)")
  a = p.parse_args()
  stampede.set_threads(a.threads)
  gym_id = stampede.make_vec(a.env, 1).gym_id
  print(f"{a.env} ({gym_id}), {a.threads} threads, median of {a.repeats}; steps/s")
  print("| num_envs | native | Python | Python / native | Gymnasium sync | EnvPool |")
  print("|---|---|---|---|---|---|")
  for n in (int(x) for x in a.num_envs.split(",")):
    steps = a.env_steps or max(20, 2_000_000 // n)
    native, python, gym, pool = [], [], [], []
    for _ in range(a.repeats):  # interleaved: the machine's drift hits both sides alike
      native.append(native_sps(a.stampede, a.env, n, steps, a.threads))
      python.append(python_sps(a.env, n, steps))
      if n <= a.gymnasium_max_envs:
        gym.append(gymnasium_sps(gym_id, n, max(5, steps // 50)))
      e = envpool_sps(gym_id, n, steps, a.threads)
      if e is not None:
        pool.append(e)
    med = statistics.median
    print(f"| {n} | {med(native):,.0f} | {med(python):,.0f} | {med(python) / med(native):.2f} | "
          f"{f'{med(gym):,.0f}' if gym else '-'} | {f'{med(pool):,.0f}' if pool else '-'} |",
          flush=True)


if __name__ == "__main__":
  main()
