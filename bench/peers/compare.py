"""Runs stampede's bench and the PyTorch peer (ppo_torch.py) on the same GPU with the same
settings and prints the ratios ours / peer: env-only steps/s, end-to-end training steps/s, and
PPO update time per sample (peer / ours, so > 1 means we are faster).

    python bench/peers/compare.py --stampede build/stampede --num-envs 65536

Needs a CUDA GPU, PyTorch with CUDA, and a stampede built with CUDA. Exits with a clear message
when one is missing.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def fail(msg):
    sys.exit("compare.py: " + msg)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--stampede", default="build/stampede", help="path of the stampede binary")
    p.add_argument("--num-envs", type=int, default=65536)
    p.add_argument("--num-steps", type=int, default=16)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--update-minibatch", type=int, default=32768)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"],
                   help="cpu only checks that both sides run; its ratios mean nothing")
    a = p.parse_args()

    try:
        import torch
    except ImportError:
        fail("PyTorch is not installed (pip install torch, a CUDA build)")
    if a.device == "cuda" and not torch.cuda.is_available():
        fail("no CUDA GPU is visible to PyTorch; the comparison needs one GPU for both runs")
    if not os.access(a.stampede, os.X_OK):
        fail(f"stampede binary '{a.stampede}' not found; build it with CUDA first")

    with tempfile.TemporaryDirectory() as tmp:
        out_json = os.path.join(tmp, "ours.json")
        cmd = [a.stampede, "bench", "--device", a.device, "--env", "cartpole",
               "--num-envs", str(a.num_envs), "--num-steps", str(a.num_steps),
               "--update-widths", str(a.width), "--update-minibatch", str(a.update_minibatch),
               "--repeats", str(a.repeats), "--json", out_json]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            fail("stampede bench failed:\n" + r.stderr + r.stdout)
        ours = json.load(open(out_json))
    peer_cmd = [sys.executable, os.path.join(os.path.dirname(__file__), "ppo_torch.py"),
                "--num-envs", str(a.num_envs), "--num-steps", str(a.num_steps),
                "--width", str(a.width), "--update-minibatch", str(a.update_minibatch),
                "--repeats", str(a.repeats), "--device", a.device]
    r = subprocess.run(peer_cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail("ppo_torch.py failed:\n" + r.stderr + r.stdout)
    peer = json.loads(r.stdout.strip().splitlines()[-1])

    row = ours["throughput"][0]
    path = "cpu" if a.device == "cpu" else ("fused" if a.width <= 128 else "cublas")
    upd = [u for u in ours["update"] if u["path"] == path][0]
    print(f"device: {ours['device']} | peer: {peer['device']} | {a.num_envs} envs, T={a.num_steps}")
    print(f"{'figure':<28}{'stampede':>14}{'pytorch':>14}{'ratio':>10}")
    def line(name, x, y, ratio):
        print(f"{name:<28}{x:>14.4g}{y:>14.4g}{ratio:>9.1f}x")
    line("env-only steps/s", row["env_sps"], peer["env_sps"], row["env_sps"] / peer["env_sps"])
    line("end-to-end steps/s", row["train_sps"], peer["train_sps"], row["train_sps"] / peer["train_sps"])
    line(f"update ns/sample (w={a.width})", upd["ns_per_sample"], peer["update_ns_per_sample"],
         peer["update_ns_per_sample"] / upd["ns_per_sample"])


if __name__ == "__main__":
    main()
