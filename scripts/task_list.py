"""The task list as the Python scripts see it, read from the C++ source rather than repeated:
the types of `using AllTasks = TaskList<...>` in envs/tasks.hpp, and for each the kName and
kGymId its header declares. A task registered there reaches the golden generators and the
benchmark peers without editing them.

    from task_list import tasks
    [t.name for t in tasks() if t.mujoco]   # ['inverted_pendulum', ...]
"""
import os
import re
from typing import NamedTuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Task(NamedTuple):
    type: str     # the C++ type: Swimmer
    name: str     # ours: swimmer
    gym_id: str   # Gymnasium's: Swimmer-v5
    mujoco: bool  # runs on the physics engine (envs/mujoco/, assets/<name>.xml)


def tasks(root=ROOT):
    with open(os.path.join(root, "envs", "tasks.hpp")) as f:
        text = f.read()
    found = re.search(r"using AllTasks = TaskList<([^>]*)>", text)
    if not found:
        raise RuntimeError("envs/tasks.hpp: no `using AllTasks = TaskList<...>;`")
    types = [t.strip() for t in found.group(1).split(",")]
    headers = re.findall(r'#include "(envs/(?:classic|mujoco)/[^"]+)"', text)
    out = []
    for type_name in types:
        for header in headers:
            with open(os.path.join(root, header)) as f:
                source = f.read()
            body = re.search(r"^struct %s\b[^{]*\{(.*?)^\};" % type_name, source, re.M | re.S)
            if body:
                name = re.search(r'kName = "([^"]+)"', body.group(1)).group(1)
                gym_id = re.search(r'kGymId = "([^"]+)"', body.group(1)).group(1)
                out.append(Task(type_name, name, gym_id, header.startswith("envs/mujoco/")))
                break
        else:
            raise RuntimeError(f"envs/tasks.hpp lists {type_name}, but no included header defines it")
    return out


if __name__ == "__main__":
    for t in tasks():
        print(f"{t.name:26} {t.gym_id:28} {'mujoco' if t.mujoco else 'classic'}")
