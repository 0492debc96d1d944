#!/usr/bin/env python3
"""Write tests/data/physics/capsule_box.json: MuJoCo's capsule-box contacts at sampled poses.

MuJoCo's capsule-box collider is a chain of discrete choices (which end, face or edge is nearest;
whether and where a second point goes), so it is checked pose by pose, far more densely than
rollouts reach. Poses come in four families, each in the box's frame and then placed at a random
world pose:
  - random: any direction, the capsule's center anywhere near the box;
  - aligned: the axis within a small angle of a box axis or a face or space diagonal, which drives
    the corner and edge rules;
  - resting: the axis nearly in a face's plane, the capsule on that face, across its edges and off
    its corners (how a capsule limb meets a box obstacle);
  - exact: axis-aligned poses, as authored models have them, where MuJoCo's doubles see exact
    parallels and ties.
A pose is kept only where MuJoCo's answer is well conditioned: turning the capsule by 1e-5 toward
each octant, shifting it by 1e-5 along each axis both ways, four random nudges, and all of these
again at 1e-9, must keep the number of contacts and move no contact
by more than 1e-3 (positions, normals). The tiny nudges catch exactly parallel poses, where
MuJoCo's answer turns on the sign of its rounding (an axis component of +-1e-17) and changes
when that sign does. Near a switch of branch the engine's float arithmetic may legitimately take
the other branch; those poses are counted, not kept, as are poses where a contact's sphere center
lies within 1e-3 of the box's surface (outside, its normal is the direction of a vector too short
for float to resolve to the test's tolerance; inside, two faces can be equally near to float). Where a nudge only swaps the two contacts (a
tie that MuJoCo's doubles break by the order of its tests) the pose is kept and marked unordered:
the test then matches the contacts as a set.

Pinned reference: mujoco==3.3.7.

Usage: python scripts/gen_collider_goldens.py [--count 600] [--seed 7] [--out FILE]
"""

import argparse
import json
import os

import mujoco
import numpy as np

from mujoco_export import MUJOCO_VERSION

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "physics",
                   "capsule_box.json")
# sizes and margin go through the XML so that MuJoCo's compiler derives the bounding spheres and
# boxes its broad phase uses
XML = """
<mujoco>
  <option gravity="0 0 0"/>
  <worldbody>
    <body name="cap"><freejoint/>
      <geom name="cap" type="capsule" size="{radius!r} {half!r}" margin="{margin!r}"/></body>
    <body name="box"><freejoint/><geom name="box" type="box" size="{box}"/></body>
  </worldbody>
</mujoco>
"""


def random_rotation(rng):
  q = rng.normal(size=4)
  return q / np.linalg.norm(q)


def quat_from_z(direction):
  """A quaternion whose rotation takes the z axis to the unit vector `direction`."""
  z = np.array([0.0, 0.0, 1.0])
  axis = np.cross(z, direction)
  s, c = np.linalg.norm(axis), float(np.dot(z, direction))
  if s < 1e-12:
    return np.array([1.0, 0, 0, 0]) if c > 0 else np.array([0.0, 1, 0, 0])
  angle = np.arctan2(s, c)
  return np.concatenate([[np.cos(angle / 2)], np.sin(angle / 2) * axis / s])


def quat_mul(a, b):
  out = np.zeros(4)
  mujoco.mju_mulQuat(out, a, b)
  return out


def rotate(q, v):
  out = np.zeros(3)
  mujoco.mju_rotVecQuat(out, v, q)
  return out


def tilt(rng, direction, angle):
  """direction turned by `angle` about a random perpendicular axis."""
  perp = np.cross(direction, rng.normal(size=3))
  perp /= np.linalg.norm(perp)
  return np.cos(angle) * direction + np.sin(angle) * perp


def sample_local(rng, family, box, radius, half):
  """The capsule's center and unit axis in the box's frame, and its spin about that axis."""
  spin = rng.uniform(-np.pi, np.pi)
  if family == "random":
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    center = rng.uniform(-1, 1, 3) * (box + half + radius)
    return center, axis, spin
  if family == "aligned":
    signs = rng.choice([-1.0, 1.0], 3)
    kind = rng.integers(3)
    axis = np.zeros(3)
    if kind == 0:
      axis[rng.integers(3)] = 1
    elif kind == 1:
      axis[rng.choice(3, 2, replace=False)] = 1
    else:
      axis[:] = 1
    axis = tilt(rng, axis * signs / np.linalg.norm(axis), rng.uniform(0.01, 0.3))
    center = rng.uniform(-1, 1, 3) * (box + half + radius)
    return center, axis, spin
  # resting / exact: on face `k` (side `sign`), the axis in that face's plane
  k = int(rng.integers(3))
  sign = rng.choice([-1.0, 1.0])
  others = [a for a in range(3) if a != k]
  axis = np.zeros(3)
  if family == "exact":
    axis[rng.choice(others)] = rng.choice([-1.0, 1.0])
  else:
    angle = rng.uniform(-np.pi, np.pi)
    axis[others[0]], axis[others[1]] = np.cos(angle), np.sin(angle)
    axis = tilt(rng, axis, rng.uniform(0.001, 0.2))
  center = np.zeros(3)
  for a in others:  # over the face, across an edge, or off a corner
    center[a] = rng.uniform(-1.3, 1.3) * (box[a] + half)
  center[k] = sign * (box[k] + radius + rng.uniform(-0.5, 0.2) * radius)
  if family == "exact":  # exact poses keep round numbers, as authored models do
    center = np.round(center, 2)
  return center, axis, spin


def contacts(m, d):
  mujoco.mj_forward(m, d)
  return [(float(c.dist), c.pos.copy(), c.frame[:3].copy()) for c in d.contact[:d.ncon]]


def place(m, d, box_pos, box_quat, center, axis_quat):
  d.qpos[7:10] = box_pos
  d.qpos[10:14] = box_quat
  d.qpos[0:3] = box_pos + rotate(box_quat, center)
  d.qpos[3:7] = quat_mul(box_quat, axis_quat)


def mismatch(a, b):
  """The largest difference of distance, position or normal between matched contacts."""
  return max((max(abs(d0 - d1), np.abs(p0 - p1).max(), np.abs(n0 - n1).max())
              for (d0, p0, n0), (d1, p1, n1) in zip(a, b)), default=0.0)


def conditioning(m, d, rng, box_pos, box_quat, center, axis_quat, ref):
  """'ordered' where nudges keep MuJoCo's contacts and their order, 'unordered' where they keep
  the contacts but may swap two (a tie MuJoCo's doubles break by the order of its tests, e.g. a
  capsule lying level on a face), None where they change the contacts."""
  verdict = "ordered"
  # turns toward every octant and shifts along every axis (in the box's frame), then random ones,
  # each at two scales
  octants = [np.array([sx, sy, sz]) for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]
  nudges = ([(np.zeros(3), w) for w in octants] + [(v, np.zeros(3)) for v in np.eye(3)] +
            [(-v, np.zeros(3)) for v in np.eye(3)] +
            [(rng.normal(size=3), rng.normal(size=3)) for _ in range(4)])
  for scale in (1e-5, 1e-9):
    for shift, spin in nudges:
      step = scale * shift / max(np.linalg.norm(shift), 1e-300)
      turn = np.concatenate([[1.0], spin / max(np.linalg.norm(spin), 1e-300) * scale / 2])
      turn /= np.linalg.norm(turn)
      place(m, d, box_pos, box_quat, center + step, quat_mul(turn, axis_quat))
      moved = contacts(m, d)
      if len(moved) != len(ref):
        return None
      direct = mismatch(ref, moved)
      swapped = mismatch(ref, moved[::-1]) if len(ref) == 2 else np.inf
      if min(direct, swapped) > 1e-3:
        return None
      if swapped < direct:  # the two contacts traded places (they may lie close together)
        verdict = "unordered"
  return verdict


def main():
  assert mujoco.__version__ == MUJOCO_VERSION, f"pinned mujoco=={MUJOCO_VERSION}"
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--count", type=int, default=600)
  parser.add_argument("--seed", type=int, default=7)
  parser.add_argument("--out", default=OUT)
  args = parser.parse_args()
  rng = np.random.default_rng(args.seed)
  families = ["random", "aligned", "resting", "exact"]
  cases, dropped, empty = [], {f: 0 for f in families}, 0
  while len(cases) < args.count:
    family = families[len(cases) % len(families)]
    box_size = rng.uniform(0.05, 0.5, 3)
    if family == "exact":  # round sizes too, so that segments can pass exactly through edges
      box_size = np.round(box_size, 2)
    radius, half = rng.uniform(0.02, 0.2), rng.uniform(0.05, 0.5)
    margin = float(rng.choice([0.0, rng.uniform(0, 0.02)]))
    m = mujoco.MjModel.from_xml_string(
        XML.format(radius=radius, half=half, margin=margin,
                   box=" ".join(repr(float(x)) for x in box_size)))
    d = mujoco.MjData(m)
    cap, box = m.geom("cap").id, m.geom("box").id
    center, axis, spin = sample_local(rng, family, box_size, radius, half)
    axis_quat = quat_mul(quat_from_z(axis), [np.cos(spin / 2), 0, 0, np.sin(spin / 2)])
    box_pos = rng.uniform(-1, 1, 3)
    box_quat = random_rotation(rng) if family != "exact" or rng.uniform() < 0.5 else [1, 0, 0, 0]
    place(m, d, box_pos, box_quat, center, axis_quat)
    ref = contacts(m, d)
    if not ref:  # a few poses without contact, within the bounding test or not
      empty += 1
      if empty % 40:
        continue
    verdict = conditioning(m, d, rng, box_pos, box_quat, center, axis_quat, ref)
    # a sphere center just outside the box: the normal is the direction of a vector shorter than
    # 1e-3, which float coordinates (rounding ~3e-8) fix to no better than 3e-5; just inside,
    # two faces can be nearer than float resolves
    grazing = any(-1e-3 < dist + radius < 1e-3 for dist, _, _ in ref)
    if verdict is None or grazing:
      dropped[family] += 1
      continue
    place(m, d, box_pos, box_quat, center, axis_quat)
    mujoco.mj_forward(m, d)
    cases.append({
        "family": family,
        "ordered": verdict == "ordered",
        "margin": margin,
        "capsule": {"pos": d.geom_xpos[cap].tolist(), "mat": d.geom_xmat[cap].tolist(),
                    "size": m.geom_size[cap].tolist()},
        "box": {"pos": d.geom_xpos[box].tolist(), "mat": d.geom_xmat[box].tolist(),
                "size": m.geom_size[box].tolist()},
        "contacts": [{"dist": c[0], "pos": c[1].tolist(), "normal": c[2].tolist()} for c in ref],
    })
  golden = {"mujoco": mujoco.__version__, "generator": "scripts/gen_collider_goldens.py",
            "seed": args.seed, "dropped_ill_conditioned": dropped, "cases": cases}
  with open(args.out, "w") as f:
    json.dump(golden, f, separators=(",", ":"))
  counts = {f: sum(c["family"] == f for c in cases) for f in families}
  ncon = {n: sum(len(c["contacts"]) == n for c in cases) for n in (0, 1, 2)}
  print(f"wrote {args.out}: {len(cases)} poses {counts}, contacts per pose {ncon}, dropped {dropped}")


if __name__ == "__main__":
  main()
