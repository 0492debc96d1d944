# Layers point one way (docs/design.md): a file may include only from its own layer and the
# layers below it. Run as `cmake -DROOT=<source dir> -P cmake/check_layers.cmake` (the build and
# ctest's layers.include_direction do); prints every offending include and fails.
#
#   core/          core
#   envs/          core, envs       (envs/physics: not the compiler, tasks or task list)
#   ppo/           core, ppo
#   kernels/       core, envs, ppo, kernels
#   host/          everything above; only host/cuda/ includes host/cuda/
if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source dir> -P check_layers.cmake")
endif()

set(allowed_core "core/")
set(allowed_envs "core/;envs/")
set(allowed_ppo "core/;ppo/")
set(allowed_kernels "core/;envs/;ppo/;kernels/")
set(allowed_host "core/;envs/;ppo/;kernels/;host/")
# narrower rules inside a layer: "folder|forbidden prefix"
set(forbidden_inside
  "envs/core/|envs/physics/" "envs/core/|envs/mjcf/" "envs/core/|envs/mujoco/"
  "envs/core/|envs/classic/" "envs/core/|envs/task"
  "envs/physics/|envs/mjcf/" "envs/physics/|envs/mujoco/" "envs/physics/|envs/classic/"
  "envs/physics/|envs/task"
  "envs/classic/|envs/physics/" "envs/classic/|envs/mjcf/" "envs/classic/|envs/mujoco/"
  "envs/classic/|envs/task"
  "envs/mjcf/|envs/mujoco/" "envs/mjcf/|envs/classic/" "envs/mjcf/|envs/task"
  "envs/mujoco/|envs/classic/" "envs/mujoco/|envs/task"
  "host/cpu/|host/cuda/" "host/cli|host/cuda/" "host/trainer|host/cuda/" "host/backend|host/cuda/"
  "host/bench|host/cuda/" "host/eval|host/cuda/" "host/checkpoint|host/cuda/"
  "host/config|host/cuda/")

set(violations "")
foreach(layer core envs ppo kernels host)
  file(GLOB_RECURSE sources RELATIVE ${ROOT} ${ROOT}/${layer}/*.hpp ${ROOT}/${layer}/*.cpp
       ${ROOT}/${layer}/*.cu ${ROOT}/${layer}/*.cuh)
  foreach(source ${sources})
    file(STRINGS ${ROOT}/${source} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line ${lines})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" target "${line}")
      if(NOT target MATCHES "/")
        continue()  # a sibling include
      endif()
      set(ok FALSE)
      foreach(prefix ${allowed_${layer}})
        string(FIND "${target}" "${prefix}" at)
        if(at EQUAL 0)
          set(ok TRUE)
        endif()
      endforeach()
      foreach(rule ${forbidden_inside})
        string(REPLACE "|" ";" pair "${rule}")
        list(GET pair 0 folder)
        list(GET pair 1 forbidden)
        string(FIND "${source}" "${folder}" in_folder)
        string(FIND "${target}" "${forbidden}" hits)
        if(in_folder EQUAL 0 AND hits EQUAL 0)
          set(ok FALSE)
        endif()
      endforeach()
      if(NOT ok)
        list(APPEND violations "${source} includes ${target}")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "includes against the layering (docs/design.md):\n  ${text}")
endif()
message(STATUS "layers: every include points down")
