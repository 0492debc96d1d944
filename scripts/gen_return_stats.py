#!/usr/bin/env python3
"""Regenerate tests/data/returns.json: the return statistics of fixed policies in Gymnasium.

For each locomotion task (Hopper-v5, Walker2d-v5, HalfCheetah-v5) this runs EPISODES episodes of
Gymnasium's own environment under two fixed policies and records the mean, standard deviation and
mean length of the undiscounted return:
  random   actions uniform in the action space, drawn independently per step;
  trained  the deterministic policy of a committed Stampede checkpoint
           (tests/data/policies/<task>.ckpt, evaluated by scripts/stampede_policy.py).
Episodes end on termination or at Gymnasium's 1000-step limit. tests/host/return_stats_test.cpp
runs the same policies on Stampede's tasks and requires the means and the standard deviations to
agree within three standard errors of their difference.

Pinned reference: mujoco==3.3.7, gymnasium==1.2.2.

Usage: python scripts/gen_return_stats.py [--out tests/data/returns.json]
"""

import argparse
import json
import os

import gymnasium
import mujoco
import numpy as np

from mujoco_export import GYMNASIUM_VERSION, MUJOCO_VERSION
from stampede_policy import Policy
from task_list import tasks

TASKS = ["hopper", "walker2d", "half_cheetah"]
EPISODES = 200
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def run_episodes(env, act, seed):
  returns, lengths = [], []
  for e in range(EPISODES):
    obs, _ = env.reset(seed=seed + e)
    total, steps = 0.0, 0
    while True:
      obs, reward, terminated, truncated, _ = env.step(act(obs))
      total += reward
      steps += 1
      if terminated or truncated:
        break
    returns.append(total)
    lengths.append(steps)
  r = np.asarray(returns)
  n, var = len(r), r.var(ddof=1)
  # standard error of the std from the fourth central moment (no normality assumed), as the test
  m4 = np.mean((r - r.mean())**4)
  std_se = np.sqrt(max(0.0, (m4 - var * var * (n - 3) / (n - 1)) / n)) / (2 * np.sqrt(var))
  return {"episodes": EPISODES, "mean": float(r.mean()), "std": float(np.sqrt(var)),
          "std_se": float(std_se), "mean_length": float(np.mean(lengths))}


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "returns.json"))
  args = parser.parse_args()
  if mujoco.__version__ != MUJOCO_VERSION or gymnasium.__version__ != GYMNASIUM_VERSION:
    raise SystemExit(f"goldens are pinned to mujoco {MUJOCO_VERSION}, gymnasium "
                     f"{GYMNASIUM_VERSION}; found {mujoco.__version__}, {gymnasium.__version__}")
  gym_ids = {t.name: t.gym_id for t in tasks()}
  out = {"mujoco_version": MUJOCO_VERSION, "gymnasium_version": GYMNASIUM_VERSION, "tasks": {}}
  for i, name in enumerate(TASKS):
    env = gymnasium.make(gym_ids[name])
    space = env.action_space
    rng = np.random.default_rng(7 + i)
    random_policy = lambda _obs: rng.uniform(space.low, space.high).astype(np.float32)
    entry = {"gym_id": gym_ids[name], "random": run_episodes(env, random_policy, 10000)}
    ckpt = os.path.join("tests", "data", "policies", name + ".ckpt")
    policy = Policy(os.path.join(ROOT, ckpt), env.observation_space.shape[0], space.shape[0],
                    space.low, space.high)
    if policy.env != name:
      raise SystemExit(f"{ckpt} was trained on {policy.env}, not {name}")
    entry["trained"] = run_episodes(env, policy, 20000)
    entry["trained"]["checkpoint"] = ckpt
    env.close()
    out["tasks"][name] = entry
    print(name, json.dumps(entry))
  with open(args.out, "w") as f:
    json.dump(out, f, indent=1)


if __name__ == "__main__":
  main()
