#!/usr/bin/env python3
"""PPO in JAX on Stampede's vector environments: the same algorithm as examples/torch_ppo.py
(CleanRL's PPO), with the networks, the act step and the minibatch update jit-compiled by JAX.

The environments step in C++ (stampede.make_vec); each step's observations are copied into a JAX
array (the engine overwrites its buffer on the next step, and JAX arrays are immutable), and the
sampled actions go back to the engine through DLPack without a copy. Adam and global gradient
clipping are written out (no optax needed). At the end the deterministic policy is evaluated on
fresh episodes; with --target the exit code says whether it reached it.

Usage:
  python examples/jax_ppo.py --env cartpole --total-steps 500000 --target 475
Needs: jax (CPU is enough), numpy, gymnasium and the stampede package (`pip install .`).
"""

import argparse
import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

import stampede


def init_mlp(key, sizes, last_scale):
  layers = []
  keys = jax.random.split(key, len(sizes) - 1)
  for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
    scale = last_scale if k == len(sizes) - 2 else np.sqrt(2)
    w = jax.nn.initializers.orthogonal(scale)(keys[k], (n_in, n_out), jnp.float32)
    layers.append((w, jnp.zeros(n_out, jnp.float32)))
  return layers


def mlp(layers, x):
  for w, b in layers[:-1]:
    x = jnp.tanh(x @ w + b)
  w, b = layers[-1]
  return x @ w + b


def log_prob_entropy(params, obs, actions, discrete):
  out = mlp(params["actor"], obs)
  if discrete:
    logp_all = jax.nn.log_softmax(out)
    logp = jnp.take_along_axis(logp_all, actions[:, None].astype(jnp.int32), axis=1)[:, 0]
    return logp, -(jnp.exp(logp_all) * logp_all).sum(-1)
  log_std = params["log_std"]
  z = (actions - out) / jnp.exp(log_std)
  logp = (-0.5 * z**2 - log_std - 0.5 * jnp.log(2 * jnp.pi)).sum(-1)
  return logp, jnp.broadcast_to((log_std + 0.5 * jnp.log(2 * jnp.pi * jnp.e)).sum(), logp.shape)


@partial(jax.jit, static_argnums=3)
def act(params, obs, key, discrete):
  out = mlp(params["actor"], obs)
  if discrete:
    action = jax.random.categorical(key, out)
  else:
    action = out + jnp.exp(params["log_std"]) * jax.random.normal(key, out.shape)
  logp, _ = log_prob_entropy(params, obs, action, discrete)
  return action, logp, mlp(params["critic"], obs)[:, 0]


@partial(jax.jit, static_argnums=(1,))
def mode(params, discrete, obs):
  out = mlp(params["actor"], obs)
  return jnp.argmax(out, -1) if discrete else out


@partial(jax.jit, static_argnums=(4, 5))
def sgd_step(params, opt, batch, lr, discrete, coefs):
  clip, ent_coef, vf_coef, max_norm = coefs

  def loss_fn(p):
    obs, actions, old_logp, adv, returns, old_values = batch
    logp, entropy = log_prob_entropy(p, obs, actions, discrete)
    ratio = jnp.exp(logp - old_logp)
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    pg = jnp.maximum(-adv * ratio, -adv * jnp.clip(ratio, 1 - clip, 1 + clip)).mean()
    value = mlp(p["critic"], obs)[:, 0]
    clipped = old_values + jnp.clip(value - old_values, -clip, clip)
    v_loss = 0.5 * jnp.maximum((value - returns)**2, (clipped - returns)**2).mean()
    return pg - ent_coef * entropy.mean() + vf_coef * v_loss

  grads = jax.grad(loss_fn)(params)
  norm = jnp.sqrt(sum(jnp.sum(g**2) for g in jax.tree_util.tree_leaves(grads)))
  grads = jax.tree_util.tree_map(lambda g: g * jnp.minimum(1.0, max_norm / (norm + 1e-6)), grads)
  step, m, v = opt
  step = step + 1
  m = jax.tree_util.tree_map(lambda a, g: 0.9 * a + 0.1 * g, m, grads)
  v = jax.tree_util.tree_map(lambda a, g: 0.999 * a + 0.001 * g * g, v, grads)
  scale = lr * jnp.sqrt(1 - 0.999**step) / (1 - 0.9**step)
  params = jax.tree_util.tree_map(lambda p, a, b: p - scale * a / (jnp.sqrt(b) + 1e-5), params,
                                  m, v)
  return params, (step, m, v)


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--env", default="cartpole")
  p.add_argument("--num-envs", type=int, default=8)
  p.add_argument("--num-steps", type=int, default=128)
  p.add_argument("--total-steps", type=int, default=500_000)
  p.add_argument("--learning-rate", type=float, default=2.5e-4)
  p.add_argument("--epochs", type=int, default=4)
  p.add_argument("--minibatches", type=int, default=4)
  p.add_argument("--gamma", type=float, default=0.99)
  p.add_argument("--gae-lambda", type=float, default=0.95)
  p.add_argument("--seed", type=int, default=1)
  p.add_argument("--eval-episodes", type=int, default=20)
  p.add_argument("--target", type=float)
  args = p.parse_args()

  env = stampede.make_vec(args.env, args.num_envs, seed=args.seed)
  discrete = hasattr(env.single_action_space, "n")
  obs_dim = env.single_observation_space.shape[0]
  act_dim = env.single_action_space.n if discrete else env.single_action_space.shape[0]
  key = jax.random.PRNGKey(args.seed)
  key, k1, k2 = jax.random.split(key, 3)
  params = {"actor": init_mlp(k1, [obs_dim, 64, 64, act_dim], 0.01),
            "critic": init_mlp(k2, [obs_dim, 64, 64, 1], 1.0)}
  if not discrete:
    params["log_std"] = jnp.zeros(act_dim, jnp.float32)
  zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
  opt = (0, zeros, zeros)
  coefs = (0.2, 0.01 if discrete else 0.0, 0.5, 0.5)
  low = None if discrete else env.single_action_space.low
  high = None if discrete else env.single_action_space.high

  T, N = args.num_steps, args.num_envs
  batch, minibatch = T * N, T * N // args.minibatches
  iterations = args.total_steps // batch
  obs_buf = np.zeros((T, N, obs_dim), np.float32)
  act_buf = np.zeros((T, N) if discrete else (T, N, act_dim), np.float32)
  logp_buf, rew_buf, done_buf, val_buf = (np.zeros((T, N), np.float32) for _ in range(4))
  next_obs, _ = env.reset(seed=args.seed)
  next_done = np.zeros(N, np.float32)
  recent, start = [], time.time()
  rng = np.random.default_rng(args.seed)

  for iteration in range(iterations):
    lr = args.learning_rate * (1.0 - iteration / iterations)
    for t in range(T):
      obs_buf[t] = next_obs  # a copy: the engine overwrites next_obs on the next step
      done_buf[t] = next_done
      key, sub = jax.random.split(key)
      action, logp, value = act(params, jnp.asarray(obs_buf[t]), sub, discrete)
      action = np.asarray(action)
      act_buf[t], logp_buf[t], val_buf[t] = action, np.asarray(logp), np.asarray(value)
      env_action = action if discrete else np.clip(action, low, high)
      next_obs, reward, terminated, truncated, info = env.step(env_action)
      rew_buf[t] = reward
      next_done = (terminated | truncated).astype(np.float32)
      if "_episode" in info:
        recent.extend(info["episode"]["r"][info["_episode"]].tolist())

    next_value = np.asarray(act(params, jnp.asarray(next_obs), key, discrete)[2])
    adv = np.zeros((T, N), np.float32)
    last = 0.0
    for t in reversed(range(T)):
      not_done = 1.0 - (next_done if t == T - 1 else done_buf[t + 1])
      following = next_value if t == T - 1 else val_buf[t + 1]
      delta = rew_buf[t] + args.gamma * following * not_done - val_buf[t]
      last = delta + args.gamma * args.gae_lambda * not_done * last
      adv[t] = last
    flat = [obs_buf.reshape(batch, obs_dim), act_buf.reshape(batch, *act_buf.shape[2:]),
            logp_buf.reshape(-1), adv.reshape(-1), (adv + val_buf).reshape(-1),
            val_buf.reshape(-1)]
    for _ in range(args.epochs):
      order = rng.permutation(batch)
      for begin in range(0, batch, minibatch):
        idx = order[begin:begin + minibatch]
        params, opt = sgd_step(params, opt, tuple(jnp.asarray(a[idx]) for a in flat), lr,
                               discrete, coefs)
    if recent and (iteration % 10 == 0 or iteration == iterations - 1):
      steps = (iteration + 1) * batch
      print(f"iter {iteration + 1}/{iterations} | steps {steps} | "
            f"{steps / (time.time() - start):.0f} sps | return {np.mean(recent[-20:]):.1f}",
            flush=True)

  episodes = args.eval_episodes
  evaluation = stampede.make_vec(args.env, episodes)
  obs, _ = evaluation.reset(seed=args.seed + 1000)
  returns = np.full(episodes, np.nan)
  while np.isnan(returns).any():
    obs, _, terminated, truncated, info = evaluation.step(np.asarray(
        mode(params, discrete, jnp.asarray(obs))))
    done = (terminated | truncated) & np.isnan(returns)
    if done.any():
      returns[done] = info["episode"]["r"][done]
  print(f"{args.env}: deterministic return {returns.mean():.1f} +/- {returns.std():.1f} over "
        f"{episodes} episodes after {iterations * batch} steps in {time.time() - start:.0f} s")
  if args.target is not None and returns.mean() < args.target:
    raise SystemExit(1)


if __name__ == "__main__":
  main()
