#!/usr/bin/env python3
"""Physics speed on the CPU, side by side: our engine against MuJoCo on the same model.

For each task, both step the same MJCF (envs/mujoco/assets/<task>.xml, so the same integrator, timestep
and solver) on one thread for 20,000 steps under random controls in ctrlrange that change every
10 steps, median of repeats. Ours comes from `stampede bench --device cpu` (its "physics only"
figure); MuJoCo's from mujoco.mj_step(model, data, nstep=10), which keeps Python's per-call cost
out of the timing.

    pip install mujoco==3.3.7
    python3 bench/peers/mujoco_cpu.py --binary build/stampede [--tasks swimmer reacher ...]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from task_list import tasks  # noqa: E402

TASKS = [t.name for t in tasks() if t.mujoco]  # the task list's MuJoCo tasks (envs/tasks.hpp)


def mujoco_steps_per_second(task, steps, repeats, seed):
    import mujoco
    import numpy as np

    model = mujoco.MjModel.from_xml_path(os.path.join(ROOT, "envs", "mujoco", "assets", task + ".xml"))
    data = mujoco.MjData(model)
    rng = np.random.default_rng(seed)
    low, high = model.actuator_ctrlrange[:, 0], model.actuator_ctrlrange[:, 1]
    table = rng.uniform(low, high, size=(1024, model.nu))
    times = []
    for rep in range(repeats + 1):  # the first repeat warms up
        mujoco.mj_resetData(model, data)
        t0 = time.perf_counter()
        for block in range(steps // 10):
            data.ctrl[:] = table[block % len(table)]
            mujoco.mj_step(model, data, nstep=10)
        if rep > 0:
            times.append(time.perf_counter() - t0)
    return steps / statistics.median(times), mujoco.__version__


def ours_steps_per_second(binary, task, repeats):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.json")
        subprocess.run([binary, "bench", "--env", task, "--device", "cpu", "--skip-throughput",
                        "--skip-update", "--repeats", str(repeats), "--json", path],
                       check=True, stdout=subprocess.DEVNULL)
        with open(path) as f:
            return json.load(f)["physics_cpu_steps_per_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "stampede"))
    parser.add_argument("--tasks", nargs="+", default=TASKS, choices=TASKS)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    try:
        import mujoco  # noqa: F401
    except ImportError:
        sys.exit("mujoco is not installed: pip install mujoco==3.3.7")
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"no stampede binary at {args.binary}: build it first (scripts/quickstart.sh)")

    print(f"{'task':<26}{'ours steps/s':>14}{'mujoco steps/s':>16}{'ratio':>8}")
    for task in args.tasks:
        ours = ours_steps_per_second(args.binary, task, args.repeats)
        theirs, version = mujoco_steps_per_second(task, args.steps, args.repeats, seed=1)
        print(f"{task:<26}{ours:>14.0f}{theirs:>16.0f}{ours / theirs:>8.2f}")
    print(f"(one thread each; mujoco {version}; ratio > 1: ours is faster)")


if __name__ == "__main__":
    main()
