#!/usr/bin/env python3
"""TensorBoard event files of a run, read back with TensorBoard's own reader (CTest:
export.tensorboard).

- A run's RUN_DIR/tb/ holds one event file; TensorBoard's plugin event accumulator (what its
  server loads runs with) and its data provider (what the scalars dashboard asks) find every
  log.csv column as a scalar tag, one value per row, at the
  row's iteration, equal to the CSV's text read as a float64 (the values are not rounded to
  float32); the config as text equal to config.json; the hyperparameters (HParams plugin data
  decoded with TensorBoard's generated classes) equal to config.json's scalars.
- After a kill: rows appended after the checkpoint and a record cut short are dropped on
  --resume, exactly as log.csv's, and the rows kept keep their wall times.
- SIGKILL at random instants of a run, each followed by --resume: after every resume the events
  equal log.csv.
Needs tensorboard (scripts/test.sh installs it into a venv); exits 77 (skipped) without it.

Usage: test_tensorboard.py STAMPEDE_BINARY
"""

import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

try:
  import numpy as np
  from tensorboard import context
  from tensorboard.backend.event_processing import data_provider
  from tensorboard.backend.event_processing import plugin_event_accumulator as pea
  from tensorboard.backend.event_processing import plugin_event_multiplexer as pem
  from tensorboard.plugins.hparams import plugin_data_pb2
  from tensorboard.util import tensor_util
except ImportError as e:
  print(f"skipped: {e}")
  sys.exit(77)

BINARY = None
BASE = ["--env", "cartpole", "--num-envs", "8", "--num-steps", "32", "--seed", "5", "-q"]


def stampede(*args, timeout=300):
  return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout)


def csv_table(run):
  with open(os.path.join(run, "log.csv")) as f:
    lines = f.read().splitlines()
  return lines[0].split(","), [line.split(",") for line in lines[1:]]


def event_files(run):
  return sorted(glob.glob(os.path.join(run, "tb", "events.out.tfevents.*")))


def load(run):
  files = event_files(run)
  assert len(files) == 1, files
  acc = pea.EventAccumulator(os.path.join(run, "tb"), size_guidance={"tensors": 0})
  acc.Reload()
  return acc


class TensorBoardTest(unittest.TestCase):

  def setUp(self):
    self.dir = tempfile.mkdtemp(prefix="stampede-tb-")

  def tearDown(self):
    shutil.rmtree(self.dir, ignore_errors=True)

  def assert_events_equal_csv(self, run):
    names, rows = csv_table(run)
    acc = load(run)
    tags = set(acc.Tags()["tensors"])
    self.assertTrue(set(names) <= tags, set(names) - tags)
    for k, name in enumerate(names):
      events = acc.Tensors(name)
      self.assertEqual([e.step for e in events], [int(r[0]) for r in rows], name)
      for e, row in zip(events, rows):
        value = tensor_util.make_ndarray(e.tensor_proto)
        self.assertEqual(value.dtype, np.float64, name)
        expected = float(row[k])
        self.assertTrue(value.item() == expected or (np.isnan(expected) and np.isnan(value.item())),
                        f"{name} at {row[0]}: {value.item()!r} != {row[k]}")
      self.assertEqual(acc.SummaryMetadata(name).plugin_data.plugin_name, "scalars")
    return acc

  def test_every_column_config_and_hyperparameters(self):
    run = os.path.join(self.dir, "run")
    result = stampede("train", *BASE, "--total-steps", "2560", "--run-dir", run)
    self.assertEqual(result.returncode, 0, result.stderr)
    acc = self.assert_events_equal_csv(run)
    self.assertEqual(len(csv_table(run)[1]), 10)
    with open(os.path.join(run, "config.json")) as f:
      config = json.load(f)

    text = acc.Tensors("config")
    self.assertEqual(acc.SummaryMetadata("config").plugin_data.plugin_name, "text")
    markdown = tensor_util.make_ndarray(text[0].tensor_proto).item().decode()
    # an indented Markdown block of config.json
    self.assertEqual(json.loads("\n".join(line[4:] for line in markdown.splitlines())), config)

    contents = acc.PluginTagToContent("hparams")
    self.assertEqual(set(contents), {"_hparams_/experiment", "_hparams_/session_start_info"})
    start = plugin_data_pb2.HParamsPluginData.FromString(
        contents["_hparams_/session_start_info"]).session_start_info
    expected = {k: v for k, v in config.items() if k != "model_xml"}
    self.assertEqual(set(start.hparams), set(expected))
    for key, value in expected.items():
      got = start.hparams[key]
      if isinstance(value, bool):
        self.assertEqual(got.bool_value, value, key)
      elif isinstance(value, (int, float)):
        self.assertEqual(got.number_value, value, key)
      elif isinstance(value, str):
        self.assertEqual(got.string_value, value, key)
      else:
        self.assertEqual(json.loads(got.string_value), value, key)
    # what the scalars dashboard reads, through TensorBoard's data provider
    multiplexer = pem.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(self.dir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, self.dir)
    scalars = provider.read_scalars(context.RequestContext(), experiment_id="",
                                    plugin_name="scalars", downsample=1000)
    self.assertEqual(list(scalars), ["run/tb"])
    names, rows = csv_table(run)
    self.assertEqual(set(scalars["run/tb"]), set(names))
    self.assertEqual([(d.step, d.value) for d in scalars["run/tb"]["mean_return"]],
                     [(int(r[0]), float(r[names.index("mean_return")])) for r in rows])

    experiment = plugin_data_pb2.HParamsPluginData.FromString(
        contents["_hparams_/experiment"]).experiment
    self.assertEqual({h.name for h in experiment.hparam_infos}, set(expected))
    self.assertIn("mean_return", {m.name.tag for m in experiment.metric_infos})

  def test_resume_drops_what_log_csv_drops_and_keeps_wall_times(self):
    run = os.path.join(self.dir, "run")
    result = stampede("train", *BASE, "--total-steps", "2048", "--checkpoint-every", "4",
                      "--run-dir", run)
    self.assertEqual(result.returncode, 0, result.stderr)
    before = {e.step: e.wall_time for e in load(run).Tensors("mean_return")}
    # a killed run's leftovers: a row past the checkpoint in both files, then a cut record
    (path,) = event_files(run)
    with open(path, "rb") as f:
      data = f.read()
    last = data[-(len(data) // 40):]  # a tail of the last row's record
    with open(os.path.join(run, "log.csv"), "a") as f:
      f.write("9,2304,1,1,0,0,0,0,0,0,0,0,0,0,1,0,0\n10,25")
    with open(path, "ab") as f:
      f.write(last)
    result = stampede("train", "--resume", run, "--total-steps", "4096", "-q")
    self.assertEqual(result.returncode, 0, result.stderr)
    acc = self.assert_events_equal_csv(run)
    after = {e.step: e.wall_time for e in acc.Tensors("mean_return")}
    self.assertEqual(sorted(after), list(range(1, 17)))
    for step in range(1, 9):
      self.assertEqual(after[step], before[step])  # the kept rows' own times
    self.assertGreaterEqual(after[9], before[8])

  def test_kills_at_random_instants_then_resume(self):
    run = os.path.join(self.dir, "run")
    rng = random.Random(7)
    args = ["train", *BASE, "--total-steps", "40960", "--checkpoint-every", "3", "--run-dir", run]
    resumed = 0
    for attempt in range(4):
      proc = subprocess.Popen([BINARY, *args], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
      time.sleep(rng.uniform(0.3, 1.5))
      proc.send_signal(signal.SIGKILL)
      proc.wait()
      if os.path.exists(os.path.join(run, "checkpoint.bin")):
        args = ["train", "--resume", run, "-q"]
        resumed += 1
        # the resume rewrites the events to the rows log.csv keeps; check them mid-run too
        self.assert_resumable_state(run)
      else:
        shutil.rmtree(run, ignore_errors=True)
    self.assertGreater(resumed, 0)
    result = stampede(*args)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assert_events_equal_csv(run)
    self.assertEqual(len(csv_table(run)[1]), 160)

  def assert_resumable_state(self, run):
    """The events as the resume will see them: every whole record of a row is one log.csv has."""
    names, rows = csv_table(run)
    acc = load(run)
    logged = {int(r[0]) for r in rows if len(r) == len(names)}
    steps = {e.step for e in acc.Tensors("mean_return")}
    self.assertTrue(steps <= logged, (steps, logged))  # a row's event follows its CSV row


if __name__ == "__main__":
  BINARY = os.path.abspath(sys.argv[1])
  unittest.main(argv=sys.argv[:1], verbosity=2)
