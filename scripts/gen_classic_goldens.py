#!/usr/bin/env python3
"""Record golden trajectories of Gymnasium's classic-control tasks for tests/envs/classic_envs_test.

Run from the repository root (needs gymnasium==1.2.2 and numpy):

    python3 scripts/gen_classic_goldens.py [--out tests/data/classic]

For each task it plays a few episodes through gymnasium.make (so the TimeLimit wrapper sets
truncated) with a seeded reset and a seeded or scripted policy, and writes
<out>/<name>.json. Each episode holds, for t = 0..T:

    states[t]   env.unwrapped.state before step t (float64; states[T] is the state after the
                last step)
    obs[t]      the observation before step t (obs[0] is the reset observation)
    actions[t], rewards[t], terminated[t], truncated[t] for t < T

plus "policy" (how actions were chosen) and "seed". After the played episodes come one-step
"boundary probe" episodes from injected states that end just inside or outside the
termination region (see PROBES).

Floats are written with 9 significant digits, which round-trips float32 exactly and keeps
the files small.
"""

import argparse
import json
import math
import os

import gymnasium as gym
import numpy as np

GYM_VERSION = "1.2.2"
assert gym.__version__ == GYM_VERSION, f"need gymnasium=={GYM_VERSION}, have {gym.__version__}"


def r9(x):
    """Round to 9 significant digits (exact for float32 values)."""
    x = float(x)
    return x if x == 0.0 or not math.isfinite(x) else float(f"{x:.9g}")


def vec(a):
    return [r9(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def current_obs(env):
    """The observation Gymnasium would return for env.unwrapped.state."""
    u = env.unwrapped
    for getter in ("_get_ob", "_get_obs"):
        if hasattr(u, getter):
            return getattr(u, getter)()
    return np.array(u.state, dtype=np.float32)


def play(gym_id, seed, policy, note, max_steps=None, init_state=None):
    """Plays one episode; policy(env, obs, state, rng) returns the action for env.step.

    init_state, if given, replaces the reset state (to reach bounds and boundaries that ordinary
    episodes never touch)."""
    env = gym.make(gym_id)
    obs, _ = env.reset(seed=seed)
    if init_state is not None:
        env.unwrapped.state = np.array(init_state, dtype=np.float64)
        obs = current_obs(env)
        note += f", from injected state {vec(init_state)}"
    rng = np.random.default_rng(seed + 1000)
    env.action_space.seed(seed + 2000)
    ep = {"seed": seed, "policy": note, "states": [], "obs": [vec(obs)], "actions": [],
          "rewards": [], "terminated": [], "truncated": []}
    while True:
        state = np.array(env.unwrapped.state, dtype=np.float64)
        action = policy(env, obs, state, rng)
        ep["states"].append(vec(state))
        obs, reward, terminated, truncated, _ = env.step(action)
        ep["actions"].append(vec(action) if np.ndim(action) else int(action))
        ep["obs"].append(vec(obs))
        ep["rewards"].append(r9(reward))
        ep["terminated"].append(bool(terminated))
        ep["truncated"].append(bool(truncated))
        if terminated or truncated or (max_steps and len(ep["actions"]) >= max_steps):
            break
    ep["states"].append(vec(np.array(env.unwrapped.state, dtype=np.float64)))
    env.close()
    return ep


# policies: (env, obs, state, rng) -> action
def random_policy(env, obs, state, rng):
    return env.action_space.sample()


def cartpole_balance(env, obs, state, rng):
    # push towards the side the pole falls to, with a little cart-centring
    x, x_dot, th, th_dot = state
    return int(th + 0.5 * th_dot + 0.01 * x + 0.05 * x_dot > 0)


def acrobot_pump(env, obs, state, rng):
    # torque against the first joint's velocity (theta2 is relative to link 1) pumps energy in
    # until the tip swings up; the sign of dtheta2 works too
    return 0 if state[2] > 0 else 2


def acrobot_pump2(env, obs, state, rng):
    return 2 if state[3] > 0 else 0


def gaussian_torque(scale):
    # wider than the action box so the environment's own clipping is exercised
    return lambda env, obs, state, rng: rng.normal(0.0, scale, size=(1,)).astype(np.float32)


def bang_bang(magnitude):
    return lambda env, obs, state, rng: np.array(
        [magnitude if state[1] >= 0 else -magnitude], dtype=np.float32)


TASKS = {
    "cartpole": ("CartPole-v1", [
        (0, random_policy, "random"),
        (1, random_policy, "random"),
        (2, random_policy, "random"),
        (3, cartpole_balance, "balance"),
    ]),
    "acrobot": ("Acrobot-v1", [
        (0, acrobot_pump, "pump: torque against dtheta1"),
        (1, acrobot_pump, "pump: torque against dtheta1"),
        (2, acrobot_pump2, "pump: torque sign of dtheta2"),
        (3, random_policy, "random"),
        (4, random_policy, "random (first 40 steps)", 40, [1.0, -2.0, 12.0, 27.0]),
        (5, random_policy, "random (first 40 steps)", 40, [-2.5, 2.8, -12.5, -28.0]),
    ]),
    "pendulum": ("Pendulum-v1", [
        (0, random_policy, "random"),
        (1, gaussian_torque(3.0), "normal(0, 3), unclipped"),
        (2, random_policy, "random (first 100 steps)", 100),
    ]),
    "mountain_car_continuous": ("MountainCarContinuous-v0", [
        (0, bang_bang(1.0), "bang-bang on velocity sign"),
        (1, bang_bang(1.5), "bang-bang 1.5 on velocity sign, unclipped"),
        (2, random_policy, "random (first 400 steps)", 400),
        (3, gaussian_torque(1.0), "normal(0, 1), unclipped (first 300 steps)", 300),
        (4, bang_bang(1.0), "bang-bang (first 20 steps)", 20, [-0.5, 0.0699]),
        (5, bang_bang(1.0), "bang-bang (first 20 steps)", 20, [-0.5236, -0.0699]),
    ]),
}


# Boundary probes: one-step episodes from injected states whose next state lands just inside or
# just outside the termination region, at distances spread log-uniformly over 1e-5..1e-2
# (ordinary episodes cross the boundary by a wide margin and would not catch a slightly wrong
# threshold). Each task gives a signed margin of the next state (> 0: terminated) and a sampler
# of (base state, direction, action); bisection along the direction hits the target margin.
def cartpole_margin(s):
    return max(abs(s[0]) - 2.4, abs(s[2]) - 12 * 2 * math.pi / 360)


def cartpole_sampler(rng):
    s = np.concatenate([rng.uniform(-0.5, 0.5, 2), rng.uniform(-0.05, 0.05, 1),
                        rng.uniform(-0.5, 0.5, 1)])
    sign, d = rng.choice([-1.0, 1.0]), np.zeros(4)
    if rng.random() < 0.5:
        s[0], d[0] = sign * 2.4, sign * 0.1
    else:
        s[2], d[2] = sign * 12 * 2 * math.pi / 360, sign * 0.05
    return s, d, int(rng.integers(2))


def acrobot_margin(s):
    return -math.cos(s[0]) - math.cos(s[0] + s[1]) - 1.0


def acrobot_sampler(rng):
    s = np.concatenate([rng.uniform(-math.pi, math.pi, 2), rng.uniform(-2, 2, 2)])
    return s, rng.normal(0.0, 1.0, 4) * [1, 1, 2, 2], int(rng.integers(3))


def mcc_margin(s):
    return min(s[0] - 0.45, s[1])


def mcc_sampler(rng):
    s = np.array([rng.uniform(0.44, 0.46), rng.uniform(-0.005, 0.01)])
    d = np.array([0.02, 0.0]) if rng.random() < 0.5 else np.array([0.0, 0.01])
    return s, d, np.array([rng.uniform(-1.2, 1.2)], dtype=np.float32)


PROBES = {
    "cartpole": (cartpole_margin, cartpole_sampler),
    "acrobot": (acrobot_margin, acrobot_sampler),
    "mountain_car_continuous": (mcc_margin, mcc_sampler),
}


def one_step(env, state, action):
    """One recorded step from an injected state, as a one-step episode."""
    env.reset(seed=0)
    if env.unwrapped.spec.id.startswith("MountainCar"):
        state = np.float32(state)  # what Gymnasium keeps after its first step
    env.unwrapped.state = np.array(state, dtype=np.float64)
    obs0 = current_obs(env)
    obs, reward, terminated, truncated, _ = env.step(action)
    return {"seed": 0, "policy": "boundary probe",
            "states": [vec(state), vec(env.unwrapped.state)], "obs": [vec(obs0), vec(obs)],
            "actions": [vec(action) if np.ndim(action) else int(action)],
            "rewards": [r9(reward)], "terminated": [bool(terminated)],
            "truncated": [bool(truncated)]}


def probe_episodes(gym_id, margin, sampler, count=40):
    env = gym.make(gym_id)
    rng = np.random.default_rng(12345)
    kept = []
    while len(kept) < count:
        target = (1 if len(kept) % 2 else -1) * 10 ** rng.uniform(-5, -2)
        base, direction, action = sampler(rng)

        def f(alpha):
            ep = one_step(env, base + alpha * direction, action)
            return margin(ep["states"][1]) - target, ep

        lo, hi = -1.0, 1.0
        flo, fhi = f(lo)[0], f(hi)[0]
        if flo * fhi > 0:
            continue  # not bracketed: draw another base
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            fmid, ep = f(mid)
            if (fmid < 0) == (flo < 0):
                lo, flo = mid, fmid
            else:
                hi = mid
        got = margin(ep["states"][1])
        if abs(got) >= 1e-5 and (got > 0) == (target > 0) and ep["terminated"][0] == (got > 0):
            kept.append(ep)
    env.close()
    return kept


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("tests", "data", "classic"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    print(f"gymnasium {gym.__version__}, numpy {np.__version__}")
    for name, (gym_id, runs) in TASKS.items():
        episodes = []
        for run in runs:
            seed, policy, note = run[:3]
            max_steps = run[3] if len(run) > 3 else None
            init_state = run[4] if len(run) > 4 else None
            episodes.append(play(gym_id, seed, policy, note, max_steps, init_state))
        if name in PROBES:
            episodes += probe_episodes(gym_id, *PROBES[name])
        doc = {"gymnasium_version": gym.__version__, "numpy_version": np.__version__,
               "gym_id": gym_id, "episodes": episodes}
        path = os.path.join(args.out, f"{name}.json")
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        ends = ", ".join(
            f"{len(e['actions'])}{'T' if e['terminated'][-1] else ''}"
            f"{'t' if e['truncated'][-1] else ''}"
            for e in episodes if e["policy"] != "boundary probe")
        print(f"{path}: {os.path.getsize(path) // 1024} KB, episode lengths {ends}")


if __name__ == "__main__":
    main()
