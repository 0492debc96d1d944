#!/usr/bin/env python3
"""Replay videos (CTest: export.record_video): `stampede eval --trajectory` and
scripts/record_video.py.

- The trajectory of the committed Hopper policy: one qpos per step (nq wide), the first within
  Hopper's reset noise of the model's qpos0, rewards that sum to the episode's return, which is
  what `stampede eval` prints for the same seed; the model's XML and dt (0.008) with it.
- A few frames rendered headless (OSMesa) to .mp4 and .gif: read back with imageio, the count and
  size asked for, each frame far from blank (the robot, floor and sky differ), the label's dark box
  in the top-left corner, and the robot moving between the first and the last frame.
- Bad input: a classic-control checkpoint, a missing checkpoint, an unknown suffix, an unwritable
  --out: exit code 2 and a message, no file written.
Needs gymnasium[mujoco], mujoco, imageio, imageio-ffmpeg, pillow and libosmesa6; exits 77
(skipped) without them.

Usage: test_record_video.py STAMPEDE_BINARY
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

try:
  import numpy as np
  import imageio.v2 as imageio
  import imageio_ffmpeg  # noqa: F401
  import mujoco
  import gymnasium  # noqa: F401
  from PIL import Image  # noqa: F401
except ImportError as e:
  print(f"skipped: {e}")
  sys.exit(77)

BINARY = None
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCRIPT = os.path.join(ROOT, "scripts", "record_video.py")
HOPPER = os.path.join(ROOT, "tests", "data", "policies", "hopper.ckpt")


def osmesa_renders():
  probe = subprocess.run([sys.executable, "-c", (
      "import os; os.environ.setdefault('MUJOCO_GL', 'osmesa'); import mujoco; "
      "m = mujoco.MjModel.from_xml_string('<mujoco/>'); mujoco.Renderer(m, 16, 16)")],
                         capture_output=True, text=True)
  return probe.returncode == 0


class RecordVideoTest(unittest.TestCase):

  def setUp(self):
    self.dir = tempfile.mkdtemp(prefix="stampede-video-")

  def tearDown(self):
    shutil.rmtree(self.dir, ignore_errors=True)

  def record(self, *args):
    return subprocess.run([sys.executable, SCRIPT, *args, "--stampede", BINARY],
                          capture_output=True, text=True, timeout=600)

  def test_trajectory_matches_eval(self):
    path = os.path.join(self.dir, "t.json")
    out = subprocess.run([BINARY, "eval", HOPPER, "--episodes", "2", "--seed", "4",
                          "--trajectory", path], capture_output=True, text=True, check=True).stdout
    with open(path) as f:
      t = json.load(f)
    self.assertEqual((t["env"], t["gym_id"], t["nq"]), ("hopper", "Hopper-v5", 6))
    self.assertAlmostEqual(t["dt"], 0.008, places=9)
    model = mujoco.MjModel.from_xml_string(t["model_xml"])
    self.assertEqual(model.nq, 6)
    returns = []
    for e in t["episodes"]:
      qpos = np.array(e["qpos"])
      self.assertEqual(qpos.shape, (e["length"], 6))
      self.assertEqual(len(e["reward"]), e["length"])
      self.assertLessEqual(np.abs(qpos[0] - model.qpos0).max(), 5e-3 + 1e-7)  # reset noise
      self.assertAlmostEqual(sum(e["reward"]), e["return"], delta=1e-3 * abs(e["return"]) + 1e-3)
      returns.append(e["return"])
    mean = float(re.search(r"mean return (-?[\d.]+)", out).group(1))
    self.assertAlmostEqual(np.mean(returns), mean, delta=0.006)

  @unittest.skipUnless(osmesa_renders(), "no OSMesa (apt install libosmesa6)")
  def test_frames_show_the_robot(self):
    for suffix in ("mp4", "gif"):
      out = os.path.join(self.dir, f"hopper.{suffix}")
      result = self.record(HOPPER, "--out", out, "--max-frames", "40", "--width", "160",
                           "--height", "128")
      self.assertEqual(result.returncode, 0, result.stderr)
      self.assertIn("40 frames at 125 fps of Hopper-v5", result.stdout)
      frames = [np.asarray(f)[..., :3] for f in imageio.mimread(out, memtest=False)]
      # the GIF keeps every third frame (125 fps > GIF's 50)
      self.assertEqual(len(frames), 40 if suffix == "mp4" else 14)
      for f in frames:
        self.assertEqual(f.shape, (128, 160, 3))
        self.assertGreater(f.astype(float).std(), 20.0)  # not blank
        self.assertLess(f[9:14, 4:7].mean(), 50)  # the label's dark box, left of its text
      moved = np.abs(frames[0].astype(float) - frames[-1].astype(float)).mean()
      self.assertGreater(moved, 0.5)
    # Stampede's own copy of the model (the path a user's --model takes): drawn too
    out = os.path.join(self.dir, "plain.mp4")
    result = self.record(HOPPER, "--out", out, "--max-frames", "3", "--plain", "--width", "64",
                         "--height", "64")
    self.assertEqual(result.returncode, 0, result.stderr)
    frames = imageio.mimread(out, memtest=False)
    self.assertEqual(len(frames), 3)
    self.assertGreater(np.asarray(frames[0]).astype(float).std(), 5.0)

  def test_bad_input_exits_2(self):
    cartpole = os.path.join(self.dir, "cartpole")
    subprocess.run([BINARY, "train", "--env", "cartpole", "--total-steps", "1024", "-q",
                    "--run-dir", cartpole], check=True, capture_output=True)
    out = os.path.join(self.dir, "x.mp4")
    cases = [
        ((cartpole, "--out", out), "classic-control task"),
        ((os.path.join(self.dir, "missing"), "--out", out), "does not exist"),
        ((HOPPER, "--out", os.path.join(self.dir, "x.avi")), "must be .mp4 or .gif"),
        ((HOPPER, "--out", os.path.join(self.dir, "no", "x.mp4")), "not a writable directory"),
    ]
    for args, fragment in cases:
      result = self.record(*args)
      self.assertEqual(result.returncode, 2, (args, result.stderr))
      self.assertIn(fragment, result.stderr)
    self.assertFalse(os.path.exists(out))
    result = subprocess.run([BINARY, "eval", cartpole, "--trajectory", out], capture_output=True,
                            text=True)
    self.assertEqual(result.returncode, 2)


if __name__ == "__main__":
  BINARY = os.path.abspath(sys.argv[1])
  unittest.main(argv=sys.argv[:1], verbosity=2)
