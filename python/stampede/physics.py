"""Stampede's rigid-body engine on its own: compile an MJCF, step a batch of states, read what
the tasks read. The states are the engine's own memory: every array below is a NumPy view (one
row per state), written in place by step() and forward(), and qpos, qvel, ctrl (and time) may be
assigned to set the state (`data.qpos[:] = ...`).

    import stampede.physics as sp
    model = sp.Model.from_xml("hopper.xml")       # a path or the XML text
    data = model.make_data(1024)                   # reset: qpos0, zero velocities, forward
    data.qpos[:, 1] += 0.1
    data.ctrl[:] = 0.3
    sp.step(model, data, nstep=10)                 # or data.step(10)
    data.xpos, data.cinert, data.cvel, data.qfrc_actuator

Numbers follow MuJoCo 3.3.7's computation model in float32 (tests/python/test_physics.py holds
them against the `mujoco` package); a state that turns bad (NaN, |x| > 1e10) is reset to qpos0
and stepped on, as mj_step does, and counted in data.bad_state_resets.
"""

from . import _core

_FIELDS = ("time", "qpos", "qvel", "ctrl", "qacc", "qacc_warmstart", "xpos", "xquat", "xmat",
           "xipos", "subtree_com", "cinert", "cvel", "cdof", "geom_xpos", "site_xpos",
           "actuator_force", "qfrc_actuator", "qfrc_bias", "qfrc_passive", "qfrc_constraint")


class Model:
  """A compiled MJCF model (Stampede's MJCF subset, docs/mjcf_subset.md); counts and names as
  MuJoCo's mjModel has them (nq, nv, nu, nbody, njnt, ngeom, nsite, timestep, body_names...)."""

  def __init__(self, core):
    self._core = core

  @staticmethod
  def from_xml(xml_or_path):
    """From MJCF text (starting with '<') or an MJCF file's path; ValueError if the engine cannot
    load it or simulate it faithfully (the message says why)."""
    return Model(_core.PhysicsModel.load(str(xml_or_path)))

  def __getattr__(self, name):
    return getattr(self._core, name)

  def make_data(self, batch=1):
    """`batch` states of this model, reset (qpos0, zero velocities and controls, forward)."""
    return Data(self, _core.PhysicsBatch(self._core, int(batch)))


class Data:
  """A batch of states of one model: [batch, ...] views of the engine's memory."""

  def __init__(self, model, core):
    self.model = model
    self._core = core
    for name in _FIELDS:
      object.__setattr__(self, "_" + name, core.field(name))

  def __getattr__(self, name):
    if name in _FIELDS:
      return object.__getattribute__(self, "_" + name)
    raise AttributeError(name)

  def __setattr__(self, name, value):
    if name in ("qpos", "qvel", "ctrl", "time", "qacc_warmstart"):
      getattr(self, name)[...] = value  # into the engine's memory
    elif name in _FIELDS:
      raise AttributeError(f"{name} is computed by forward() and step(); set qpos, qvel, ctrl")
    else:
      object.__setattr__(self, name, value)

  @property
  def batch(self):
    return self._core.size

  @property
  def bad_state_resets(self):
    return self._core.bad_state_resets()

  def reset(self):
    self._core.reset()

  def forward(self):
    self._core.forward()

  def step(self, nstep=1):
    self._core.step(int(nstep))


def forward(model, data):
  """mj_forward on every state: the derived quantities of the current qpos, qvel and ctrl."""
  data.forward()


def step(model, data, nstep=1):
  """mj_step `nstep` times on every state."""
  data.step(nstep)
