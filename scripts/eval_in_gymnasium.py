#!/usr/bin/env python3
"""Run an exported Stampede policy (policy.onnx) in Gymnasium's own environment: sim-to-sim.

The policy is trained on Stampede's engine; this runs it, deterministically (the `action` output),
for N episodes of the Gymnasium environment its metadata names (the pinned gymnasium and mujoco
packages) and prints the mean and standard deviation of the return. With --stampede and
--checkpoint it also runs `stampede eval` on the same checkpoint and prints both, with their
difference in units of the two means' combined standard error: a policy that only works in our
engine would show up as a difference of many standard errors (a physics bug).

Usage:
  python scripts/eval_in_gymnasium.py RUN_DIR/policy.onnx --episodes 100 \
      [--stampede build/stampede --checkpoint RUN_DIR] [--seed 0]
Needs: numpy, onnxruntime, gymnasium[mujoco]==1.2.2, mujoco==3.3.7.
"""

import argparse
import json
import math
import re
import subprocess
import sys

import gymnasium
import numpy as np
import onnxruntime as ort


def gymnasium_returns(model_path, episodes, seed):
  session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
  meta = session.get_modelmeta().custom_metadata_map
  env = gymnasium.make(meta["gymnasium_id"])
  discrete = json.loads(meta["spaces"])["action"]["type"] == "Discrete"
  returns = []
  for episode in range(episodes):
    obs, _ = env.reset(seed=seed + episode)
    total, done = 0.0, False
    while not done:
      action = session.run(["action"], {"obs": np.asarray(obs, np.float32)[None]})[0][0]
      obs, reward, terminated, truncated, _ = env.step(int(action) if discrete else action)
      total += float(reward)
      done = terminated or truncated
    returns.append(total)
  env.close()
  return meta, np.array(returns)


def stampede_returns(binary, checkpoint, episodes):
  out = subprocess.run([binary, "eval", checkpoint, "--episodes", str(episodes)],
                       capture_output=True, text=True, check=True).stdout
  found = re.search(r"mean return (-?[\d.]+) \+/- ([\d.]+)", out)
  if not found:
    sys.exit(f"unexpected `stampede eval` output: {out}")
  return float(found.group(1)), float(found.group(2))


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("policy", help="policy.onnx from `stampede export --format onnx`")
  parser.add_argument("--episodes", type=int, default=100)
  parser.add_argument("--seed", type=int, default=0)
  parser.add_argument("--stampede", help="the stampede binary, to evaluate the same checkpoint")
  parser.add_argument("--checkpoint", help="run directory or checkpoint the policy came from")
  args = parser.parse_args()
  if args.episodes < 2:
    sys.exit("--episodes must be at least 2 (a standard deviation needs two)")

  meta, returns = gymnasium_returns(args.policy, args.episodes, args.seed)
  mean, std = returns.mean(), returns.std(ddof=1)
  print(f"{meta['gymnasium_id']} (gymnasium {gymnasium.__version__}): "
        f"{mean:.1f} +/- {std:.1f} over {args.episodes} episodes")
  if args.stampede and args.checkpoint:
    ours, ours_std = stampede_returns(args.stampede, args.checkpoint, args.episodes)
    se = math.sqrt((std**2 + ours_std**2) / args.episodes)
    print(f"{meta['task']} (stampede eval): {ours:.1f} +/- {ours_std:.1f} over {args.episodes} "
          f"episodes; difference {mean - ours:+.1f} = {(mean - ours) / max(se, 1e-9):+.2f} "
          "standard errors")


if __name__ == "__main__":
  main()
