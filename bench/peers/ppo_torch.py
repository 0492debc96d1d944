"""PPO on a GPU-vectorised CartPole in plain PyTorch, written the way CleanRL's ppo.py is written.

The peer baseline for `stampede bench`: the same hyperparameters as stampede's bench training
figure (64x64 tanh MLPs, separate actor and critic, clip 0.2, GAE 0.99/0.95, Adam eps 1e-5,
global-norm clipping 0.5, per-minibatch advantage normalisation, running observation
normalisation with clip 10, value clipping 0.2, entropy 0.01) and the same CartPole-v1 dynamics
(explicit Euler, 500-step limit, auto-reset), batched as torch tensors on one GPU.

Prints one JSON line with env-only, end-to-end and update figures, measured like ours: CUDA
events, warm-up first, median of repeats.

    python bench/peers/ppo_torch.py --num-envs 65536 --num-steps 16
"""
import argparse
import json
import math
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError:  # the runner script checks this first; keep a clear message here too
    sys.exit("ppo_torch.py needs PyTorch: pip install torch (a CUDA build)")


class CartPole:
    """Gymnasium CartPole-v1 for n environments at once (float32 on the device)."""

    def __init__(self, n, device, seed):
        self.n, self.device = n, device
        self.gen = torch.Generator(device=device).manual_seed(seed)
        self.gravity, self.masscart, self.masspole, self.length = 9.8, 1.0, 0.1, 0.5
        self.force_mag, self.tau = 10.0, 0.02
        self.theta_threshold = 12 * 2 * math.pi / 360
        self.x_threshold = 2.4
        self.max_steps = 500
        self.state = self._draw(n)
        self.steps = torch.zeros(n, dtype=torch.int32, device=device)

    def _draw(self, k):
        return (torch.rand(k, 4, generator=self.gen, device=self.device) - 0.5) * 0.1

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state.unbind(1)
        force = torch.where(action == 1, self.force_mag, -self.force_mag)
        cos, sin = torch.cos(theta), torch.sin(theta)
        total_mass = self.masscart + self.masspole
        pml = self.masspole * self.length
        temp = (force + pml * theta_dot**2 * sin) / total_mass
        thetaacc = (self.gravity * sin - cos * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * cos**2 / total_mass))
        xacc = temp - pml * thetaacc * cos / total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = torch.stack([x, x_dot, theta, theta_dot], 1)
        self.steps += 1
        terminated = (x.abs() > self.x_threshold) | (theta.abs() > self.theta_threshold)
        truncated = ~terminated & (self.steps >= self.max_steps)
        done = terminated | truncated
        final_obs = self.state.clone()
        reward = torch.ones(self.n, device=self.device)
        # auto-reset in place, as the vector env does
        self.state = torch.where(done[:, None], self._draw(self.n), self.state)
        self.steps = torch.where(done, torch.zeros_like(self.steps), self.steps)
        return self.state, reward, terminated, truncated, final_obs


class RunningMeanStd:
    def __init__(self, shape, device):
        self.mean = torch.zeros(shape, dtype=torch.float64, device=device)
        self.var = torch.ones(shape, dtype=torch.float64, device=device)
        self.count = 1e-4

    def update(self, x):
        x = x.double()
        batch_mean, batch_var, n = x.mean(0), x.var(0, unbiased=False), x.shape[0]
        delta, total = batch_mean - self.mean, self.count + n
        m2 = self.var * self.count + batch_var * n + delta**2 * self.count * n / total
        self.mean = self.mean + delta * n / total
        self.var = m2 / total
        self.count = total

    def normalize(self, x, clip=10.0):
        return ((x - self.mean.float()) / torch.sqrt(self.var.float() + 1e-8)).clamp(-clip, clip)


def layer_init(layer, std=math.sqrt(2), bias_const=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim, num_actions, width):
        super().__init__()
        self.critic = nn.Sequential(
            layer_init(nn.Linear(obs_dim, width)), nn.Tanh(),
            layer_init(nn.Linear(width, width)), nn.Tanh(),
            layer_init(nn.Linear(width, 1), std=1.0))
        self.actor = nn.Sequential(
            layer_init(nn.Linear(obs_dim, width)), nn.Tanh(),
            layer_init(nn.Linear(width, width)), nn.Tanh(),
            layer_init(nn.Linear(width, num_actions), std=0.01))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        logits = self.actor(x)
        probs = torch.distributions.Categorical(logits=logits)
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(x)


def timed(fn, warmup, repeats, cuda):
    """Median seconds of fn: CUDA events on a GPU, a wall clock on the CPU (smoke tests only)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if cuda:
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            stop.record()
            stop.synchronize()
            times.append(start.elapsed_time(stop) * 1e-3)
        else:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--num-envs", type=int, default=65536)
    p.add_argument("--num-steps", type=int, default=16)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--minibatches", type=int, default=4)
    p.add_argument("--env-steps", type=int, default=200)
    p.add_argument("--train-iters", type=int, default=2)
    p.add_argument("--update-minibatch", type=int, default=32768)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"],
                   help="cpu only checks that the script runs; its figures mean nothing")
    a = p.parse_args()
    cuda = a.device == "cuda"
    if cuda and not torch.cuda.is_available():
        sys.exit("ppo_torch.py needs a CUDA GPU (torch.cuda.is_available() is False)")
    dev = torch.device(a.device)
    torch.manual_seed(a.seed)
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32, as ours
    n, T = a.num_envs, a.num_steps
    gamma, lam, clip_coef, ent_coef, vf_coef, max_norm, lr = 0.99, 0.95, 0.2, 0.01, 0.5, 0.5, 2.5e-4

    env = CartPole(n, dev, a.seed)
    agent = Agent(4, 2, a.width).to(dev)
    opt = torch.optim.Adam(agent.parameters(), lr=lr, eps=1e-5)
    obs_rms = RunningMeanStd(4, dev)

    # env-only: random actions, as Isaac Lab's env-only figure
    def env_only():
        for _ in range(a.env_steps):
            env.step(torch.randint(0, 2, (n,), device=dev))
    env_s = timed(env_only, a.warmup, a.repeats, cuda)

    obs_buf = torch.zeros(T, n, 4, device=dev)
    act_buf = torch.zeros(T, n, dtype=torch.long, device=dev)
    logp_buf, rew_buf, val_buf = (torch.zeros(T, n, device=dev) for _ in range(3))
    term_buf, trunc_buf = (torch.zeros(T, n, dtype=torch.bool, device=dev) for _ in range(2))
    trunc_val = torch.zeros(T, n, device=dev)
    raw_obs = env.state.clone()

    def update_minibatch(mb_obs, mb_act, mb_logp, mb_adv, mb_ret, mb_val):
        _, newlogp, entropy, newvalue = agent.get_action_and_value(mb_obs, mb_act)
        ratio = (newlogp - mb_logp).exp()
        mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
        pg_loss = torch.max(-mb_adv * ratio, -mb_adv * ratio.clamp(1 - clip_coef, 1 + clip_coef)).mean()
        newvalue = newvalue.view(-1)
        v_unclipped = (newvalue - mb_ret) ** 2
        v_clipped = (mb_val + (newvalue - mb_val).clamp(-clip_coef, clip_coef) - mb_ret) ** 2
        v_loss = 0.5 * torch.max(v_unclipped, v_clipped).mean()
        loss = pg_loss - ent_coef * entropy.mean() + v_loss * vf_coef
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(agent.parameters(), max_norm)
        opt.step()

    def iteration():
        nonlocal raw_obs
        with torch.no_grad():
            for t in range(T):
                obs_rms.update(raw_obs)
                x = obs_rms.normalize(raw_obs)
                if t > 0:  # every step, not only when one truncated: no host sync in the loop
                    trunc_val[t - 1] = agent.get_value(obs_rms.normalize(final_obs)).view(-1)
                action, logp, _, value = agent.get_action_and_value(x)
                obs_buf[t], act_buf[t], logp_buf[t], val_buf[t] = x, action, logp, value.view(-1)
                raw_obs, reward, term, trunc, final_obs = env.step(action)
                rew_buf[t], term_buf[t], trunc_buf[t] = reward, term, trunc
            next_value = agent.get_value(obs_rms.normalize(raw_obs)).view(-1)
            trunc_val[T - 1] = agent.get_value(obs_rms.normalize(final_obs)).view(-1)
            adv = torch.zeros_like(rew_buf)
            last = torch.zeros(n, device=dev)
            for t in reversed(range(T)):
                nv = next_value if t == T - 1 else val_buf[t + 1]
                boot = torch.where(trunc_buf[t], trunc_val[t], nv) * (~term_buf[t])
                delta = rew_buf[t] + gamma * boot - val_buf[t]
                last = delta + gamma * lam * (~(term_buf[t] | trunc_buf[t])) * last
                adv[t] = last
            ret = adv + val_buf
        b = n * T
        mb = b // a.minibatches
        flat = (obs_buf.view(b, 4), act_buf.view(b), logp_buf.view(b), adv.view(b), ret.view(b),
                val_buf.view(b))
        for _ in range(a.epochs):
            perm = torch.randperm(b, device=dev)
            for s in range(0, mb * a.minibatches, mb):
                idx = perm[s:s + mb]
                update_minibatch(*(f[idx] for f in flat))

    train_s = timed(lambda: [iteration() for _ in range(a.train_iters)], a.warmup, a.repeats, cuda)

    m = a.update_minibatch
    up = (torch.randn(m, 4, device=dev), torch.randint(0, 2, (m,), device=dev),
          torch.full((m,), -math.log(2), device=dev), torch.randn(m, device=dev),
          torch.randn(m, device=dev), torch.randn(m, device=dev))
    steps = 10
    update_s = timed(lambda: [update_minibatch(*up) for _ in range(steps)], a.warmup, a.repeats,
                     cuda)

    print(json.dumps({
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "num_envs": n, "num_steps": T,
        "env_sps": n * a.env_steps / env_s,
        "train_sps": n * T * a.train_iters / train_s,
        "update_ns_per_sample": update_s * 1e9 / (steps * m),
        "width": a.width, "update_minibatch": m,
    }))


if __name__ == "__main__":
    main()
