# Layers point one way (docs/design.md): a file may include only from its own layer and the
# layers below it. Run as `cmake -DROOT=<source dir> -P cmake/check_layers.cmake` (the build and
# ctest's layers.include_direction do); prints every offending include and fails.
#
#   core/          core
#   envs/          core, envs       (envs/physics: not the compiler, tasks or task list)
#   ppo/           core, ppo
#   kernels/       core, envs, ppo, kernels
#   host/          everything above; only host/cuda/ includes host/cuda/
#   python/        everything above but host/cuda/ (the Python module runs the CPU backend)
#
# Both include forms are read ("..." and <...>); any include naming a folder of the project
# counts, `..` in a project include is refused, and every C/C++/CUDA source or header extension
# is scanned. core/cuda_check.hpp needs the CUDA toolkit's headers, so only kernels/ and
# host/cuda/ include it; the MJCF compiler is host-only, so device code (kernels/) and the
# engine do not include it. The test layers.check_catches_violations plants bad includes to
# keep this script honest.
cmake_minimum_required(VERSION 3.25)
if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source dir> -P check_layers.cmake")
endif()

set(layers core envs ppo kernels host python)
set(allowed_core "core/")
set(allowed_envs "core/;envs/")
set(allowed_ppo "core/;ppo/")
set(allowed_kernels "core/;envs/;ppo/;kernels/")
set(allowed_host "core/;envs/;ppo/;kernels/;host/")
set(allowed_python "core/;envs/;ppo/;kernels/;host/;python/")
# narrower rules: "folder|include prefix that no file under folder may use"
set(forbidden_inside
  "envs/core/|envs/physics/" "envs/core/|envs/mjcf/" "envs/core/|envs/mujoco/"
  "envs/core/|envs/classic/" "envs/core/|envs/task"
  "envs/physics/|envs/mjcf/" "envs/physics/|envs/mujoco/" "envs/physics/|envs/classic/"
  "envs/physics/|envs/task"
  "envs/classic/|envs/physics/" "envs/classic/|envs/mjcf/" "envs/classic/|envs/mujoco/"
  "envs/classic/|envs/task"
  "envs/mjcf/|envs/mujoco/" "envs/mjcf/|envs/classic/" "envs/mjcf/|envs/task"
  "envs/mujoco/|envs/classic/" "envs/mujoco/|envs/task"
  "kernels/|envs/mjcf/"
  "core/|core/cuda_check" "envs/|core/cuda_check" "ppo/|core/cuda_check")
# rules that allow a prefix only inside one folder: "include prefix|folder allowed to use it"
set(only_inside "host/cuda/|host/cuda/" "core/cuda_check|kernels/" "core/cuda_check|host/cuda/")

function(starts_with text prefix out)
  string(FIND "${text}" "${prefix}" at)
  if(at EQUAL 0)
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

set(violations "")
foreach(layer ${layers})
  file(GLOB_RECURSE sources RELATIVE ${ROOT} ${ROOT}/${layer}/*.hpp ${ROOT}/${layer}/*.cpp
       ${ROOT}/${layer}/*.cu ${ROOT}/${layer}/*.cuh ${ROOT}/${layer}/*.h ${ROOT}/${layer}/*.hh
       ${ROOT}/${layer}/*.cc ${ROOT}/${layer}/*.cxx ${ROOT}/${layer}/*.inl ${ROOT}/${layer}/*.ipp)
  foreach(source ${sources})
    file(STRINGS ${ROOT}/${source} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
    foreach(line ${lines})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]+)[\">].*" "\\1" target
             "${line}")
      # only includes that name a folder of the project are the layers' business
      string(REGEX MATCH "^([^/]+)/" top "${target}")
      if(NOT top OR NOT CMAKE_MATCH_1 IN_LIST layers)
        continue()
      endif()
      if(target MATCHES "(^|/)\\.\\.(/|$)")
        list(APPEND violations "${source} includes ${target} (no .. in project includes)")
        continue()
      endif()
      set(ok FALSE)
      foreach(prefix ${allowed_${layer}})
        starts_with("${target}" "${prefix}" hit)
        if(hit)
          set(ok TRUE)
        endif()
      endforeach()
      foreach(rule ${forbidden_inside})
        string(REPLACE "|" ";" pair "${rule}")
        list(GET pair 0 folder)
        list(GET pair 1 forbidden)
        starts_with("${source}" "${folder}" in_folder)
        starts_with("${target}" "${forbidden}" hits)
        if(in_folder AND hits)
          set(ok FALSE)
        endif()
      endforeach()
      set(prefix_rules 0)
      set(prefix_allowed FALSE)
      foreach(rule ${only_inside})
        string(REPLACE "|" ";" pair "${rule}")
        list(GET pair 0 prefix)
        list(GET pair 1 folder)
        starts_with("${target}" "${prefix}" hits)
        if(hits)
          math(EXPR prefix_rules "${prefix_rules} + 1")
          starts_with("${source}" "${folder}" in_folder)
          if(in_folder)
            set(prefix_allowed TRUE)
          endif()
        endif()
      endforeach()
      if(prefix_rules GREATER 0 AND NOT prefix_allowed)
        set(ok FALSE)
      endif()
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
