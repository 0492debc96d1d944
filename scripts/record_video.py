#!/usr/bin/env python3
"""Render a trained policy's episodes of a MuJoCo task to a video: a replay of Stampede's own run.

`stampede eval RUN_DIR --trajectory` runs the policy on Stampede's engine (deterministic actions
unless --stochastic) and records qpos before every step; this script replays that qpos
trajectory in Gymnasium's environment of the task, which draws it with MuJoCo's renderer and the
task's camera, at the task's frame rate (1 / dt), with the episode's return so far drawn on each
frame. The model drawn is the run's: a user's --model as it is; a task's own model with
Gymnasium's file of it, whose bodies, joints and sizes Stampede's copy repeats (the script checks
the joints agree) and whose materials, light and sky it adds (--plain draws Stampede's copy). Headless: MUJOCO_GL defaults to osmesa (Debian's
libosmesa6); set MUJOCO_GL=egl on a machine with a GPU. The output is written atomically; its
suffix picks the format: .mp4 (H.264 through imageio-ffmpeg) or .gif (frames subsampled to at
most 50 per second, GIF's finest delay).

Usage:
  python scripts/record_video.py RUN_DIR --out hopper.mp4 [--episodes 1] [--seed 12345]
      [--stampede build/stampede] [--width 480 --height 480] [--max-frames N]
Needs: numpy, gymnasium[mujoco]==1.2.2, mujoco==3.3.7, imageio, imageio-ffmpeg, pillow.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

os.environ.setdefault("MUJOCO_GL", "osmesa")

import gymnasium  # noqa: E402  (after MUJOCO_GL: the renderer reads it on import)
import imageio.v2 as imageio  # noqa: E402
import mujoco  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402


def stampede_binary(given):
  if given:
    return given
  here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "stampede")
  return here if os.path.exists(here) else (shutil.which("stampede") or "stampede")


def record_trajectory(binary, run, episodes, seed, stochastic, workdir):
  path = os.path.join(workdir, "trajectory.json")
  args = [binary, "eval", run, "--episodes", str(episodes), "--seed", str(seed),
          "--trajectory", path] + (["--stochastic"] if stochastic else [])
  result = subprocess.run(args, capture_output=True, text=True)
  if result.returncode != 0:  # stampede's own message and exit code (2: bad input)
    print(f"record_video: {result.stderr.strip()}", file=sys.stderr)
    sys.exit(result.returncode if result.returncode > 0 else 1)
  with open(path) as f:
    return json.load(f)


def label(frame, text):
  image = Image.fromarray(frame)
  draw = ImageDraw.Draw(image)
  font = ImageFont.load_default(size=max(10, image.height // 32))
  x, y = 8, 8
  box = draw.textbbox((x, y), text, font=font)
  draw.rectangle((box[0] - 4, box[1] - 3, box[2] + 4, box[3] + 3), fill=(0, 0, 0))
  draw.text((x, y), text, fill=(255, 255, 255), font=font)
  return np.asarray(image)


def joint_names(model):
  return [mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, j) for j in range(model.njnt)]


def render_frames(trajectory, width, height, max_frames, plain, workdir):
  xml = os.path.join(workdir, "model.xml")
  with open(xml, "w") as f:
    f.write(trajectory["model_xml"])
  ours = mujoco.MjModel.from_xml_path(xml)
  # A task's own model is drawn with Gymnasium's file of it (the same bodies, joints and sizes,
  # with its materials, light and sky, which Stampede's copy leaves out); a --model as it is.
  kwargs = {} if trajectory["task_model"] and not plain else {"xml_file": xml}
  env = gymnasium.make(trajectory["gym_id"], render_mode="rgb_array", width=width, height=height,
                       **kwargs)
  env.reset(seed=0)
  model = env.unwrapped.model
  if model.nq != trajectory["nq"] or joint_names(model) != joint_names(ours):
    sys.exit(f"record_video: {trajectory['gym_id']}'s model has other joints than the run's")
  frames = []
  for number, episode in enumerate(trajectory["episodes"], 1):
    total = 0.0
    for qpos, reward in zip(episode["qpos"], episode["reward"]):
      if max_frames and len(frames) >= max_frames:
        break
      env.unwrapped.set_state(np.asarray(qpos, np.float64), np.zeros(model.nv))
      text = (f"{trajectory['gym_id']}  episode {number}  "
              f"return {total:8.1f}  step {len(frames) + 1}")
      frames.append(label(env.render(), text))
      total += reward
  env.close()
  return frames


def write_video(frames, fps, out):
  suffix = os.path.splitext(out)[1].lower()
  tmp = f"{out}.tmp.{os.getpid()}{suffix}"
  try:
    if suffix == ".gif":
      step = max(1, int(np.ceil(fps / 50)))
      images = [Image.fromarray(f) for f in frames[::step]]
      images[0].save(tmp, save_all=True, append_images=images[1:], loop=0,
                     duration=int(round(1000 * step / fps)), optimize=True)
    else:
      with imageio.get_writer(tmp, fps=fps, codec="libx264", pixelformat="yuv420p",
                              macro_block_size=16, format="FFMPEG") as writer:
        for f in frames:
          writer.append_data(f)
    with open(tmp, "rb") as f:
      os.fsync(f.fileno())
    os.replace(tmp, out)
  finally:
    if os.path.exists(tmp):
      os.remove(tmp)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("run", help="run directory or checkpoint of a MuJoCo task")
  parser.add_argument("--out", required=True, help="video to write: .mp4 or .gif")
  parser.add_argument("--episodes", type=int, default=1)
  parser.add_argument("--seed", type=int, default=12345)
  parser.add_argument("--stochastic", action="store_true")
  parser.add_argument("--stampede", help="the stampede binary (default: build/stampede)")
  parser.add_argument("--width", type=int, default=480)
  parser.add_argument("--height", type=int, default=480)
  parser.add_argument("--max-frames", type=int, default=0, help="stop after N frames (0: all)")
  parser.add_argument("--plain", action="store_true",
                      help="draw a task's own model with Stampede's copy of it (no materials)")
  args = parser.parse_args()
  if os.path.splitext(args.out)[1].lower() not in (".mp4", ".gif"):
    parser.error(f"--out {args.out}: the suffix must be .mp4 or .gif")
  if not 1 <= args.episodes <= 100:
    parser.error("--episodes must be in 1..100")
  if not (16 <= args.width <= 4096 and 16 <= args.height <= 4096):
    parser.error("--width and --height must be in 16..4096")
  out_dir = os.path.dirname(os.path.abspath(args.out))
  if not os.path.isdir(out_dir) or not os.access(out_dir, os.W_OK):
    parser.error(f"--out {args.out}: {out_dir} is not a writable directory")

  with tempfile.TemporaryDirectory(prefix="stampede-video-") as workdir:
    trajectory = record_trajectory(stampede_binary(args.stampede), args.run, args.episodes,
                                   args.seed, args.stochastic, workdir)
    frames = render_frames(trajectory, args.width, args.height, args.max_frames, args.plain,
                           workdir)
  fps = 1.0 / trajectory["dt"]
  write_video(frames, fps, args.out)
  returns = ", ".join(f"{e['return']:.1f}" for e in trajectory["episodes"])
  print(f"wrote {args.out}: {len(frames)} frames at {fps:g} fps of {trajectory['gym_id']} "
        f"(returns {returns}, checkpoint iteration {trajectory['checkpoint_iteration']})")


if __name__ == "__main__":
  main()
