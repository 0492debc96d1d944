#!/usr/bin/env python3
"""Fault injection against the real `stampede` binary (CTest: faults.*).

Each group drives the release binary as a user's shell would:
  Interrupts  SIGINT, SIGTERM and kill -9 at many instants of a short run, each followed by
              --resume, and the result compared with a straight run (final checkpoint and every
              log row but the timing columns bit-identical); a second signal; stale temporaries.
  Disk        a full disk (a small tmpfs; needs root and mount, else skipped), a read-only run
              directory (a read-only tmpfs), /dev/full as an output.
  Inputs      malformed TOML, bad integers and lists, FIFO, device, directory and forged
              checkpoints, non-UTF-8 and oversized models, runs too large for memory, --resume
              past the total: each one clear message, exit 2, no run directory left behind.

Usage: test_faults.py STAMPEDE_BINARY [unittest args, e.g. Interrupts]
"""

import contextlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

BINARY = None
# a CartPole run of a few seconds on this project's 2-core machine: 160 iterations of 8 x 64
BASE = ["--env", "cartpole", "--num-envs", "8", "--num-steps", "64", "--seed", "3", "-q"]
RUN = BASE + ["--total-steps", "81920", "--checkpoint-every", "1"]


def short_run(total, every=1):
  return BASE + ["--total-steps", str(total), "--checkpoint-every", str(every)]
TIMING_COLUMNS = (2, 3)  # wall_s, steps_per_s


def read_text(path):
  with open(path) as f:
    return f.read()


def stampede(*args, timeout=120, cwd=None):
  return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def read_checkpoint(path):
  """(header without run_dir, array bytes) of a checkpoint file."""
  with open(path, "rb") as f:
    data = f.read()
  length = struct.unpack("<Q", data[16:24])[0]
  header = json.loads(data[24:24 + length])
  header["config"].pop("run_dir", None)
  return header, data[24 + length:-8]


def log_rows(path):
  with open(path) as f:
    lines = f.read().splitlines()
  return lines[0], [",".join(v for k, v in enumerate(line.split(",")) if k not in TIMING_COLUMNS)
                    for line in lines[1:]]


def fnv1a64(data):
  h = 0xcbf29ce484222325
  for byte in data:
    h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
  return h


def forge_checkpoint(source, target, edit_header=None, edit_arrays=None):
  """A checkpoint with a valid checksum over edited contents: what a forger would write."""
  with open(source, "rb") as f:
    data = f.read()
  length = struct.unpack("<Q", data[16:24])[0]
  header = json.loads(data[24:24 + length])
  arrays = bytearray(data[24 + length:-8])
  if edit_header:
    edit_header(header)
  if edit_arrays:
    edit_arrays(arrays)
  text = json.dumps(header).encode()
  body = data[:16] + struct.pack("<Q", len(text)) + text + bytes(arrays)
  os.makedirs(os.path.dirname(target), exist_ok=True)
  with open(target, "wb") as f:
    f.write(body + struct.pack("<Q", fnv1a64(body)))


class Scratch(unittest.TestCase):

  def setUp(self):
    self.dir = tempfile.mkdtemp(prefix="stampede-faults-")

  def tearDown(self):
    shutil.rmtree(self.dir, ignore_errors=True)

  def path(self, *parts):
    return os.path.join(self.dir, *parts)

  def expect_usage_error(self, result, fragment):
    self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
    self.assertIn(fragment, result.stderr)
    self.assertLess(len(result.stderr), 1200, "an error message must not flood")


class Interrupts(Scratch):

  def straight_run(self):
    straight = self.path("straight")
    result = stampede("train", *RUN, "--run-dir", straight)
    self.assertEqual(result.returncode, 0, result.stderr)
    return straight

  def assert_same_run(self, straight, resumed):
    self.assertEqual(read_checkpoint(os.path.join(straight, "checkpoint.bin")),
                     read_checkpoint(os.path.join(resumed, "checkpoint.bin")))
    self.assertEqual(log_rows(os.path.join(straight, "log.csv")),
                     log_rows(os.path.join(resumed, "log.csv")))

  def test_signals_at_many_instants_then_resume_equals_a_straight_run(self):
    straight = self.straight_run()
    run = self.path("interrupted")
    rng = random.Random(11)
    kinds = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]
    outcomes = []
    fresh = True
    for attempt in range(40):
      args = ["train", *RUN, "--run-dir", run] if fresh else ["train", "--resume", run, "-q"]
      proc = subprocess.Popen([BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
      sig = kinds[attempt % len(kinds)]
      rows_before = len(log_rows(os.path.join(run, "log.csv"))[1]) if not fresh else 0
      time.sleep(rng.uniform(0.05, 0.6))
      proc.send_signal(sig)
      out, err = proc.communicate(timeout=120)
      if proc.returncode == 0:
        outcomes.append("finished")
        break
      if proc.returncode in (-signal.SIGINT, -signal.SIGTERM):
        # only a process still loading its libraries may die of the default action
        self.assertTrue(fresh or len(log_rows(os.path.join(run, "log.csv"))[1]) <= rows_before,
                        err)
        outcomes.append(f"{sig.name} while starting")
        continue
      # a signal before the first checkpoint leaves nothing to resume; start afresh then
      if not os.path.exists(os.path.join(run, "checkpoint.bin")):
        shutil.rmtree(run, ignore_errors=True)
        outcomes.append(f"{sig.name} before the first checkpoint")
        continue
      fresh = False
      expected = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -9}[sig]
      self.assertEqual(proc.returncode, expected, err)
      if sig != signal.SIGKILL:
        self.assertIn("continue with: stampede train --resume", out)
      outcomes.append(f"{sig.name}: exit {proc.returncode}")
    else:
      result = stampede("train", "--resume", run, "-q")
      self.assertEqual(result.returncode, 0, result.stderr)
    print("\n  ".join(["interrupts:"] + outcomes))
    self.assertGreater(len(outcomes), 3, "the run finished before the signals; make RUN longer")
    self.assert_same_run(straight, run)

  def test_second_signal_exits_at_once_and_keeps_the_checkpoint(self):
    run = self.path("twice")
    proc = subprocess.Popen([BINARY, "train", *RUN, "--run-dir", run], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not os.path.exists(os.path.join(run, "checkpoint.bin")) and time.time() < deadline:
      time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    self.assertIn(proc.returncode, (130, 0))  # 0 only if the run ended in between
    result = stampede("eval", run, "--episodes", "1")
    self.assertEqual(result.returncode, 0, result.stderr)
    if proc.returncode == 130:
      self.assertEqual(stampede("train", "--resume", run, "-q").returncode, 0)

  def test_resume_drops_rows_after_the_checkpoint_and_stale_temporaries(self):
    run = self.path("trim")
    result = stampede("train", *short_run(8192, every=4), "--run-dir", run)
    self.assertEqual(result.returncode, 0, result.stderr)
    header, rows = log_rows(os.path.join(run, "log.csv"))
    # a killed run's leftovers: rows past the checkpoint, a half row, a temporary of a dead pid
    with open(os.path.join(run, "log.csv"), "a") as f:
      f.write("17,8704,1,1,0,0,0,0,0,0,0,0,0,0,1,0,0\n18,92")
    stale = os.path.join(run, "checkpoint.bin.tmp.999999999")
    with open(stale, "wb") as f:
      f.write(b"partial")
    result = stampede("train", "--resume", run, "--total-steps", "16384", "-q")
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertFalse(os.path.exists(stale))
    new_header, new_rows = log_rows(os.path.join(run, "log.csv"))
    self.assertEqual(new_header, header)
    self.assertEqual(new_rows[:len(rows)], rows)
    self.assertEqual([r.split(",")[0] for r in new_rows], [str(i) for i in range(1, 33)])

  def test_rows_a_file_system_lost_stay_lost_but_no_others(self):
    run = self.path("gap")
    result = stampede("train", *short_run(4096, every=4), "--run-dir", run)
    self.assertEqual(result.returncode, 0, result.stderr)
    log = os.path.join(run, "log.csv")
    with open(log) as f:
      lines = f.read().splitlines(keepends=True)
    with open(log, "w") as f:  # rows 5..8 gone, as after a crash that lost acknowledged data
      f.writelines(lines[:5])
    result = stampede("train", "--resume", run, "--total-steps", "8192", "-q")
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn("had 4 of the 8 rows", result.stdout)
    for total in ("12288", "16384"):
      self.assertEqual(stampede("train", "--resume", run, "--total-steps", total, "-q").returncode,
                       0)
    iterations = [int(r.split(",")[0]) for r in log_rows(log)[1]]
    self.assertEqual(iterations, [1, 2, 3, 4] + list(range(9, 33)))

  def test_log_that_is_not_a_file_is_refused_on_resume(self):
    run = self.path("fifo-log")
    self.assertEqual(stampede("train", *short_run(2048), "--run-dir", run).returncode, 0)
    os.remove(os.path.join(run, "log.csv"))
    os.mkfifo(os.path.join(run, "log.csv"))
    self.expect_usage_error(
        stampede("train", "--resume", run, "--total-steps", "4096", timeout=20), "a FIFO")

  def test_parallel_runs_get_their_own_default_directories(self):
    args = ["train", "--env", "cartpole", "--num-envs", "8", "--num-steps", "64", "--total-steps",
            "2048", "-q"]
    procs = [subprocess.Popen([BINARY, *args, "--seed", str(s)], cwd=self.dir,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for s in range(6)]
    for proc in procs:
      _, err = proc.communicate(timeout=120)
      self.assertEqual(proc.returncode, 0, err)
    runs = os.listdir(self.path("runs"))
    self.assertEqual(len(runs), 6, runs)
    for run in runs:
      self.assertTrue(os.path.exists(self.path("runs", run, "checkpoint.bin")))

  def test_resume_at_or_past_the_total_says_how_far_the_run_got(self):
    run = self.path("done")
    self.assertEqual(stampede("train", *short_run(2048), "--run-dir", run).returncode,
                     0)
    before = read_text(os.path.join(run, "config.json"))
    self.expect_usage_error(stampede("train", "--resume", run), "has done 2048 steps")
    self.expect_usage_error(stampede("train", "--resume", run, "--total-steps", "2500"),
                            "give --total-steps of at least 2560 (512 steps per iteration)")
    self.assertEqual(read_text(os.path.join(run, "config.json")), before)


def mount_tmpfs(path, options):
  os.makedirs(path, exist_ok=True)
  if os.geteuid() != 0 or shutil.which("mount") is None:
    return False
  return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path],
                        capture_output=True).returncode == 0


def umount(path):
  subprocess.run(["umount", path], capture_output=True)


@contextlib.contextmanager
def tmpfs(test, path, options, why):
  """A tmpfs mounted at `path` for the block (skips `test` where it cannot be mounted)."""
  if not mount_tmpfs(path, options):
    test.skipTest(f"needs root and mount for {why}")
  try:
    yield path
  finally:
    umount(path)


class Disk(Scratch):

  def test_full_disk_keeps_the_last_good_checkpoint_and_names_the_reason(self):
    with tmpfs(self, self.path("small"), "size=160k", "a small tmpfs") as mnt:
      run = os.path.join(mnt, "run")
      result = stampede("train", *short_run(819200), "--run-dir", run)
      self.assertEqual(result.returncode, 1, result.stderr)
      self.assertIn("No space left on device", result.stderr)
      self.assertEqual(stampede("eval", run, "--episodes", "1").returncode, 0)
      _, rows = log_rows(os.path.join(run, "log.csv"))
      saved = read_checkpoint(os.path.join(run, "checkpoint.bin"))[0]["iteration"]
      self.assertGreaterEqual(len(rows), saved)
      config = read_text(os.path.join(run, "config.json"))
      # resuming on the full disk fails cleanly and damages nothing
      result = stampede("train", "--resume", run, "-q")
      self.assertNotEqual(result.returncode, 0)
      self.assertIn("No space left on device", result.stderr)
      self.assertEqual(read_text(os.path.join(run, "config.json")), config)
      self.assertEqual(read_checkpoint(os.path.join(run, "checkpoint.bin"))[0]["iteration"], saved)
      self.assertFalse([n for n in os.listdir(run) if ".tmp." in n])

  def test_read_only_run_directory(self):
    with tmpfs(self, self.path("ro"), "size=4m", "a read-only tmpfs") as mnt:
      run = os.path.join(mnt, "run")
      self.assertEqual(stampede("train", *short_run(2048), "--run-dir", run).returncode,
                       0)
      subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
      self.expect_usage_error(stampede("train", "--resume", run, "--total-steps", "4096"),
                              "Read-only file system")
      self.expect_usage_error(stampede("train", *RUN, "--run-dir", os.path.join(mnt, "new")),
                              "Read-only file system")
      self.assertEqual(stampede("eval", run, "--episodes", "1").returncode, 0)

  def test_device_as_output_is_refused_up_front(self):
    self.expect_usage_error(stampede("bench", "--json", "/dev/full", "--skip-update"),
                            "not a regular file")


class Inputs(Scratch):

  def train_with_config(self, text):
    config = self.path("c.toml")
    with open(config, "wb") as f:
      f.write(text)
    run = self.path("run-from-config")
    result = stampede("train", "--config", config, "--total-steps", "2048", "-q",
                      "--run-dir", run)
    return result, run

  def test_malformed_toml(self):
    cases = {
        b"actor_hidden = [64, 64\n": "c.toml:1:",
        b'run_dir = "runs/x\n': "c.toml:1:",
        b"norm_obs = 3\n": "takes true or false",
        b"num_envs = bare\n": "c.toml:1:",
        b"num_envs = 3.5\n": "takes an integer",
        b'num_envs = "3"\n': "takes an integer",
        b"learning_rate = nan\n": "finite number",
        b"[train]\n++ = 1\n": "c.toml:2:",
        b"[elsewhere]\nx = 1\n": "unknown table",
        b"not_an_option = 1\n": "unknown key 'not_an_option'",
        b"actor_hidden = [64, \"a\"]\n": "list of integers",
        b"x = " + b"[" * 3000 + b"]" * 3000 + b"\n": "c.toml:1:",
        b"[" + b".".join([b"a"] * 10000) + b"]\n": "unknown table [a]",
        b"num-envs = 4\nnum_envs = 8\n": "sets --num-envs again (first set at",
        b"num_envs = 4\n[train]\nnum_envs = 16\n": "sets --num-envs again",
        b"help = true\n": "unknown key 'help'",
    }
    for text, fragment in cases.items():
      with self.subTest(text=text[:40]):
        result, run = self.train_with_config(text)
        self.expect_usage_error(result, fragment)
        self.assertFalse(os.path.exists(run))

  def test_valid_toml_the_old_reader_refused(self):
    for text in (b"num_envs = 1_000\nnum_steps = 2\n", b"[train]\nnum_envs = 4\n",
                 b"\xef\xbb\xbfnum_envs = 4\n"):
      with self.subTest(text=text):
        result, run = self.train_with_config(text)
        self.assertEqual(result.returncode, 0, result.stderr)
        config = json.loads(read_text(os.path.join(run, "config.json")))
        self.assertIn(config["num_envs"], (1000, 4))
        shutil.rmtree(run)

  def test_one_file_serves_train_eval_and_bench(self):
    config = self.path("all.toml")
    with open(config, "w") as f:
      f.write("num_envs = 4\n[eval]\nepisodes = 3\n[bench]\nnum_envs = [16]\nrepeats = 1\n"
              "warmup = 0\nenv_steps = 64\n")
    run = self.path("all")
    result = stampede("train", "--config", config, "--total-steps", "2048", "-q", "--run-dir", run)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertEqual(json.loads(read_text(os.path.join(run, "config.json")))["num_envs"], 4)
    result = stampede("eval", run, "--config", config)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn("over 3 episodes", result.stdout)
    result = stampede("bench", "--config", config, "--skip-update", "--device", "cpu")
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn("median of 1 after 0 warm-up", result.stdout)
    with open(config, "a") as f:
      f.write("[eval]\n")
    self.expect_usage_error(stampede("eval", run, "--config", config), "all.toml:9:")

  def test_config_that_is_not_a_file(self):
    self.expect_usage_error(stampede("train", "--config", self.dir), "is a directory")

  def test_bad_integers_and_lists(self):
    cases = [(["--seed", "-1"], "is negative"), (["--actor-hidden", "64,,64"], "empty entry"),
             (["--num-envs", "99999999999"], "--num-envs"), (["--num-envs", ""], "not an integer"),
             (["--total-steps", "18446744073709551615"], "out of range"),
             (["--epochs", "2.5"], "not an integer"), (["--profile-iters", "x" * 5000], "chars)"),
             (["--profile-iters", "1:99999999999999999999"], "malformed"),
             (["--env", "ab " * 3000], "chars)")]
    for args, fragment in cases:
      with self.subTest(args=args[0]):
        self.expect_usage_error(stampede("train", *args, "-q"), fragment)

  def test_checkpoints_that_are_not_files_never_hang(self):
    fifo_dir, zero_dir, dir_dir = self.path("fifo"), self.path("zero"), self.path("dir")
    for d in (fifo_dir, zero_dir):
      os.makedirs(d)
    os.mkfifo(os.path.join(fifo_dir, "checkpoint.bin"))
    os.symlink("/dev/zero", os.path.join(zero_dir, "checkpoint.bin"))
    os.makedirs(os.path.join(dir_dir, "checkpoint.bin"))
    for d, fragment in ((fifo_dir, "a FIFO"), (zero_dir, "a device"), (dir_dir, "a directory")):
      with self.subTest(kind=fragment):
        self.expect_usage_error(stampede("eval", d, timeout=20), fragment)
        self.expect_usage_error(stampede("train", "--resume", d, timeout=20), fragment)

  def test_forged_checkpoints(self):
    good = self.path("good")
    self.assertEqual(stampede("train", *short_run(2048), "--run-dir", good).returncode,
                     0)
    source = os.path.join(good, "checkpoint.bin")

    def huge_count(h):
      h["arrays"][0]["count"] = 2**62

    def negative_iteration(h):
      h["iteration"] = -5

    def nan_params(a):
      a[0:4] = struct.pack("<f", float("nan"))

    def more_rows(h):
      h["log_rows"] = h["iteration"] + 1

    cases = [("count", huge_count, None, "truncated"),
             ("iteration", negative_iteration, None, "negative counter"),
             ("nan", None, nan_params, "non-finite parameters"),
             ("rows", more_rows, None, "more log rows than iterations")]
    for name, header, arrays, fragment in cases:
      with self.subTest(name=name):
        forged = self.path("forged-" + name, "checkpoint.bin")
        forge_checkpoint(source, forged, header, arrays)
        self.expect_usage_error(stampede("eval", os.path.dirname(forged)), fragment)
    with open(source, "rb") as f:
      data = bytearray(f.read())
    data[100] ^= 1
    damaged = self.path("damaged", "checkpoint.bin")
    os.makedirs(os.path.dirname(damaged))
    with open(damaged, "wb") as f:
      f.write(bytes(data))
    self.expect_usage_error(stampede("eval", os.path.dirname(damaged)), "checksum")
    with open(damaged, "wb") as f:
      f.write(bytes(data[:len(data) // 2]))
    self.expect_usage_error(stampede("eval", os.path.dirname(damaged)), "checkpoint")

  def test_models_model_and_train_agree_on(self):
    bad = self.path("latin1.xml")
    with open(bad, "wb") as f:
      f.write(b"<mujoco>\n<!-- caf\xe9 -->\n<worldbody/>\n</mujoco>\n")
    self.expect_usage_error(stampede("model", bad), "latin1.xml:2: byte 0xe9 is not UTF-8")
    # a surrogate, an overlong form and a code point past U+10FFFF are not UTF-8 either
    for sequence in (b"\xed\xa0\x80", b"\xe0\x80\x80", b"\xf4\x90\x80\x80"):
      with open(bad, "wb") as f:
        f.write(b"<mujoco>\n<!-- " + sequence + b" -->\n<worldbody/>\n</mujoco>\n")
      self.expect_usage_error(stampede("model", bad), "is not UTF-8")
    run = self.path("hopper-run")
    self.expect_usage_error(stampede("train", "--env", "hopper", "--model", bad, "--run-dir", run),
                            "not UTF-8")
    self.assertFalse(os.path.exists(run))
    fifo = self.path("model.xml")
    os.mkfifo(fifo)
    self.expect_usage_error(stampede("model", fifo, timeout=20), "regular file")
    self.expect_usage_error(
        stampede("train", "--env", "hopper", "--model", fifo, "--run-dir", run, timeout=20),
        "a FIFO")
    huge = self.path("gear.xml")
    with open(huge, "w") as f:
      f.write('<mujoco><worldbody><body><joint name="j"/><geom size="0.1"/></body></worldbody>\n'
              '<actuator><motor joint="j" gear="1e300"/></actuator>\n</mujoco>\n')
    result = stampede("model", huge)
    self.expect_usage_error(result, "gear.xml:2: <motor>")
    self.assertIn("1e+300", result.stderr)

  def test_run_too_large_for_memory_is_refused_with_its_figures(self):
    run = self.path("huge")
    result = stampede("train", "--num-envs", "16777216", "--total-steps", "4294967296",
                      "--run-dir", run)
    self.expect_usage_error(result, "GiB")
    self.assertFalse(os.path.exists(run))


if __name__ == "__main__":
  BINARY = os.path.abspath(sys.argv[1])
  unittest.main(argv=[sys.argv[0], "-v", *sys.argv[2:]])
