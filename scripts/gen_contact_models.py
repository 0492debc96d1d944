#!/usr/bin/env python3
"""Write random contact models to tests/data/physics/models/random_contacts_<seed>.xml.

Each is a floor (tilted at random) with a few free bodies of one or two primitive geoms dropped
onto it and onto each other, with random sizes, poses, condim (1, 3, 4, 6), friction, solref
(standard and direct), solimp, solmix, margin, gap and priority, and random impratio: the
combinations the hand-written models do not reach. Boxes carry contype/conaffinity bits that
keep them away from other boxes, the one pair of these types the engine has no collider for.
scripts/gen_physics_goldens.py then records MuJoCo's forward stages, steps and trajectories on
them like on any other contact model.

Usage: python scripts/gen_contact_models.py [--seeds 1 2 3]
"""

import argparse
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "physics",
                   "models")
# contype / conaffinity: floor, spheres and capsules meet everything; boxes meet everything but
# boxes
BITS = {"sphere": (15, 15), "capsule": (2, 7), "box": (4, 11)}


def fmt(values):
  return " ".join(f"{v:.4g}" for v in values)


def geom(rng, name, kind, pos):
  if kind == "sphere":
    size = [rng.uniform(0.03, 0.12)]
  elif kind == "capsule":
    size = [rng.uniform(0.02, 0.08), rng.uniform(0.05, 0.2)]
  else:
    size = rng.uniform(0.03, 0.12, 3)
  contype, conaffinity = BITS[kind]
  attrs = [f'name="{name}"', f'type="{kind}"', f'size="{fmt(size)}"', f'pos="{fmt(pos)}"',
           f'euler="{fmt(rng.uniform(-180, 180, 3))}"', f'contype="{contype}"',
           f'conaffinity="{conaffinity}"', f'condim="{rng.choice([1, 3, 3, 4, 6])}"',
           f'friction="{fmt([rng.uniform(0.3, 1.5), rng.uniform(0, 0.05), rng.uniform(0, 0.01)])}"']
  if rng.uniform() < 0.4:
    attrs.append(f'margin="{rng.uniform(0, 0.01):.4g}"')
    if rng.uniform() < 0.5:
      attrs.append(f'gap="{rng.uniform(0, 0.005):.4g}"')
  if rng.uniform() < 0.4:
    if rng.uniform() < 0.5:
      attrs.append(f'solref="{fmt([rng.uniform(0.01, 0.05), rng.uniform(0.5, 1.5)])}"')
    else:
      attrs.append(f'solref="{fmt([-rng.uniform(2000, 20000), -rng.uniform(20, 200)])}"')
  if rng.uniform() < 0.4:
    lo = rng.uniform(0.5, 0.9)
    attrs.append(f'solimp="{fmt([lo, rng.uniform(lo, 0.99), rng.uniform(0.0005, 0.01)])}"')
  if rng.uniform() < 0.3:
    attrs.append(f'solmix="{rng.uniform(0.2, 3):.4g}"')
  if rng.uniform() < 0.3:
    attrs.append(f'priority="{rng.integers(0, 3)}"')
  return "<geom " + " ".join(attrs) + "/>"


def model(seed):
  rng = np.random.default_rng(seed)
  lines = [f"<!-- Random contact model, seed {seed} (scripts/gen_contact_models.py). -->",
           f'<mujoco model="random_contacts_{seed}">',
           f'  <option timestep="0.002" impratio="{rng.choice([1, 1, 2, 5])}"/>',
           "  <worldbody>",
           '    <geom name="floor" type="plane" size="5 5 0.1"'
           f' euler="{fmt(rng.uniform(-8, 8, 2))} 0" contype="1" conaffinity="15"'
           f' friction="{rng.uniform(0.5, 1.2):.3g} 0.01 0.001"/>']
  for b in range(int(rng.integers(3, 5))):
    pos = [rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15), 0.2 + 0.25 * b]
    lines.append(f'    <body name="b{b}" pos="{fmt(pos)}">')
    lines.append("      <freejoint/>")
    kinds = rng.choice(["sphere", "capsule", "box"], size=int(rng.integers(1, 3)))
    for k, kind in enumerate(kinds):
      offset = [0, 0, 0] if k == 0 else rng.uniform(-0.1, 0.1, 3)
      lines.append("      " + geom(rng, f"g{b}_{k}", kind, offset))
    lines.append("    </body>")
  lines += ["  </worldbody>", "</mujoco>", ""]
  return "\n".join(lines)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
  args = parser.parse_args()
  for seed in args.seeds:
    path = os.path.join(OUT, f"random_contacts_{seed}.xml")
    with open(path, "w") as f:
      f.write(model(seed))
    print(path)


if __name__ == "__main__":
  main()
