#!/usr/bin/env python3
"""PPO in PyTorch on Stampede's vector environments: CleanRL's ppo.py / ppo_continuous_action.py
with stampede.make_vec in place of Gymnasium's SyncVectorEnv.

The environments step in C++ and hand their buffers to PyTorch without copies
(torch.from_numpy of make_vec's arrays; actions go back through DLPack). Everything else is
CleanRL's single-file PPO: separate tanh MLPs for actor and critic (orthogonal init), GAE, K
epochs of shuffled minibatches, the clipped surrogate, clipped value loss, entropy bonus, global
gradient clipping, linear learning-rate decay; for continuous tasks a state-independent log-std
and running observation normalisation (as CleanRL's NormalizeObservation wrapper). At the end the
deterministic policy is evaluated on fresh episodes; with --target the exit code says whether it
reached it (0) or not (1).

Usage:
  python examples/torch_ppo.py --env cartpole --total-steps 500000 --target 475
  python examples/torch_ppo.py --env inverted_pendulum --total-steps 300000 --target 950
Needs: torch, numpy, gymnasium and the stampede package (`pip install .`).
"""

import argparse
import time

import numpy as np
import torch
from torch import nn

import stampede


def layer(n_in, n_out, std=np.sqrt(2)):
  linear = nn.Linear(n_in, n_out)
  nn.init.orthogonal_(linear.weight, std)
  nn.init.constant_(linear.bias, 0.0)
  return linear


class Agent(nn.Module):

  def __init__(self, obs_dim, act_dim, discrete, hidden=64):
    super().__init__()
    self.discrete = discrete
    self.critic = nn.Sequential(layer(obs_dim, hidden), nn.Tanh(), layer(hidden, hidden),
                                nn.Tanh(), layer(hidden, 1, 1.0))
    self.actor = nn.Sequential(layer(obs_dim, hidden), nn.Tanh(), layer(hidden, hidden),
                               nn.Tanh(), layer(hidden, act_dim, 0.01))
    if not discrete:
      self.log_std = nn.Parameter(torch.zeros(1, act_dim))

  def value(self, x):
    return self.critic(x).squeeze(-1)

  def distribution(self, x):
    out = self.actor(x)
    if self.discrete:
      return torch.distributions.Categorical(logits=out)
    return torch.distributions.Normal(out, self.log_std.expand_as(out).exp())

  def act(self, x, action=None):
    dist = self.distribution(x)
    if action is None:
      action = dist.sample()
    log_prob = dist.log_prob(action)
    entropy = dist.entropy()
    if not self.discrete:
      log_prob, entropy = log_prob.sum(-1), entropy.sum(-1)
    return action, log_prob, entropy, self.value(x)

  def mode(self, x):
    out = self.actor(x)
    return out.argmax(-1) if self.discrete else out


class RunningNorm:
  """Running mean and variance of observations (CleanRL's NormalizeObservation)."""

  def __init__(self, dim, enabled):
    self.enabled = enabled
    self.mean, self.var, self.count = torch.zeros(dim), torch.ones(dim), 1e-4

  def update(self, x):
    if not self.enabled:
      return
    batch_mean, batch_var, n = x.mean(0), x.var(0, unbiased=False), x.shape[0]
    delta, total = batch_mean - self.mean, self.count + n
    self.mean = self.mean + delta * n / total
    self.var = (self.var * self.count + batch_var * n + delta**2 * self.count * n / total) / total
    self.count = total

  def __call__(self, x):
    if not self.enabled:
      return x
    return torch.clamp((x - self.mean) / torch.sqrt(self.var + 1e-8), -10, 10)


def evaluate(agent, norm, task, episodes, seed):
  """Mean and std of the deterministic policy's return over fresh episodes (one env each)."""
  env = stampede.make_vec(task, episodes)
  obs, _ = env.reset(seed=seed)
  returns = np.full(episodes, np.nan)
  with torch.no_grad():
    while np.isnan(returns).any():
      action = agent.mode(norm(torch.from_numpy(obs)))
      obs, _, terminated, truncated, info = env.step(action.numpy())
      done = (terminated | truncated) & np.isnan(returns)
      if done.any():
        returns[done] = info["episode"]["r"][done]
  return returns.mean(), returns.std()


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
  p.add_argument("--clip", type=float, default=0.2)
  p.add_argument("--ent-coef", type=float, default=0.01)
  p.add_argument("--vf-coef", type=float, default=0.5)
  p.add_argument("--max-grad-norm", type=float, default=0.5)
  p.add_argument("--seed", type=int, default=1)
  p.add_argument("--threads", type=int, default=1, help="torch and stampede threads")
  p.add_argument("--eval-episodes", type=int, default=20)
  p.add_argument("--target", type=float, help="exit 1 unless the evaluation reaches it")
  args = p.parse_args()

  torch.manual_seed(args.seed)
  torch.set_num_threads(args.threads)
  stampede.set_threads(args.threads)
  env = stampede.make_vec(args.env, args.num_envs, seed=args.seed)
  discrete = hasattr(env.single_action_space, "n")
  obs_dim = env.single_observation_space.shape[0]
  act_dim = env.single_action_space.n if discrete else env.single_action_space.shape[0]
  agent = Agent(obs_dim, act_dim, discrete)
  norm = RunningNorm(obs_dim, enabled=not discrete)
  optimizer = torch.optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)
  low = None if discrete else torch.from_numpy(env.single_action_space.low)
  high = None if discrete else torch.from_numpy(env.single_action_space.high)

  T, N = args.num_steps, args.num_envs
  batch, minibatch = T * N, T * N // args.minibatches
  obs = torch.zeros(T, N, obs_dim)
  actions = torch.zeros((T, N) if discrete else (T, N, act_dim))
  log_probs, rewards, dones, values = (torch.zeros(T, N) for _ in range(4))
  next_obs = torch.from_numpy(env.reset(seed=args.seed)[0])  # a view: the engine's buffer
  next_done = torch.zeros(N)
  iterations = args.total_steps // batch
  recent, start = [], time.time()

  for iteration in range(iterations):
    optimizer.param_groups[0]["lr"] = args.learning_rate * (1.0 - iteration / iterations)
    for t in range(T):
      # as CleanRL's NormalizeObservation: update with each step's observations, then normalise
      # (this also copies them out of the engine's buffer before the next step overwrites it)
      norm.update(next_obs)
      obs[t] = norm(next_obs)
      dones[t] = next_done
      with torch.no_grad():
        action, log_prob, _, value = agent.act(obs[t])
      actions[t], log_probs[t], values[t] = action, log_prob, value
      env_action = action if discrete else torch.clamp(action, low, high)
      _, reward, terminated, truncated, info = env.step(env_action.to(torch.float32))
      rewards[t] = torch.from_numpy(reward)
      next_done = torch.from_numpy(terminated | truncated).float()
      if "_episode" in info:
        recent.extend(info["episode"]["r"][info["_episode"]].tolist())

    with torch.no_grad():  # GAE (CleanRL: a truncation is treated as a termination)
      advantages = torch.zeros(T, N)
      last = 0.0
      next_value = agent.value(norm(next_obs))
      for t in reversed(range(T)):
        not_done = 1.0 - (next_done if t == T - 1 else dones[t + 1])
        following = next_value if t == T - 1 else values[t + 1]
        delta = rewards[t] + args.gamma * following * not_done - values[t]
        last = delta + args.gamma * args.gae_lambda * not_done * last
        advantages[t] = last
      returns = advantages + values

    b_obs = obs.reshape(-1, obs_dim)
    b_actions = actions.reshape((-1,) if discrete else (-1, act_dim))
    b_log_probs, b_adv = log_probs.reshape(-1), advantages.reshape(-1)
    b_returns, b_values = returns.reshape(-1), values.reshape(-1)
    for _ in range(args.epochs):
      order = torch.randperm(batch)
      for begin in range(0, batch, minibatch):
        idx = order[begin:begin + minibatch]
        _, new_log_prob, entropy, new_value = agent.act(b_obs[idx], b_actions[idx])
        ratio = (new_log_prob - b_log_probs[idx]).exp()
        adv = b_adv[idx]
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        pg_loss = torch.max(-adv * ratio,
                            -adv * torch.clamp(ratio, 1 - args.clip, 1 + args.clip)).mean()
        clipped = b_values[idx] + torch.clamp(new_value - b_values[idx], -args.clip, args.clip)
        v_loss = 0.5 * torch.max((new_value - b_returns[idx])**2,
                                 (clipped - b_returns[idx])**2).mean()
        loss = pg_loss - args.ent_coef * entropy.mean() + args.vf_coef * v_loss
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
        optimizer.step()
    if recent and (iteration % 10 == 0 or iteration == iterations - 1):
      steps = (iteration + 1) * batch
      print(f"iter {iteration + 1}/{iterations} | steps {steps} | "
            f"{steps / (time.time() - start):.0f} sps | return {np.mean(recent[-20:]):.1f}",
            flush=True)

  mean, std = evaluate(agent, norm, args.env, args.eval_episodes, args.seed + 1000)
  print(f"{args.env}: deterministic return {mean:.1f} +/- {std:.1f} over {args.eval_episodes} "
        f"episodes after {iterations * batch} steps in {time.time() - start:.0f} s")
  if args.target is not None and mean < args.target:
    raise SystemExit(1)


if __name__ == "__main__":
  main()
