# Keeps cmake/check_layers.cmake honest: plants one violation of each kind in a scratch tree
# and requires the check to fail on each, and to pass on a tree that follows the rules.
# Run as `cmake -DCHECK=<check_layers.cmake> -DWORK=<scratch dir> -P check_layers_selftest.cmake`.
cmake_minimum_required(VERSION 3.25)
set(bad_cases
  "ppo/angle.hpp|#include <host/backend.hpp>"
  "ppo/dotdot.hpp|#include \"ppo/../host/config.hpp\""
  "host/model_command.cpp|#include \"host/cuda/cuda_backend.hpp\""
  "envs/classic/header.h|#include \"host/trainer.hpp\""
  "envs/core/toolkit.hpp|#include \"core/cuda_check.hpp\""
  "kernels/loader.cu|#include \"envs/mjcf/loader.hpp\""
  "envs/physics/stage.hpp|#include \"envs/mjcf/spec.hpp\""
  "core/up.hpp|#  include \"envs/task.hpp\"")
set(good_files
  "core/a.hpp|#include \"core/hd.hpp\""
  "kernels/k.cu|#include \"core/cuda_check.hpp\""
  "host/cuda/b.cu|#include \"host/cuda/device_buffer.hpp\""
  "host/c.cpp|#include <vector>"
  "envs/mujoco/d.hpp|#include \"envs/physics/model.hpp\"")

function(check_tree dir expect_ok what)
  execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${dir} -P ${CHECK}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(expect_ok AND NOT rc EQUAL 0)
    message(FATAL_ERROR "check_layers refused a tree that follows the rules (${what})")
  elseif(NOT expect_ok AND rc EQUAL 0)
    message(FATAL_ERROR "check_layers missed a violation: ${what}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK})
set(good ${WORK}/good)
foreach(entry ${good_files})
  string(REPLACE "|" ";" pair "${entry}")
  list(GET pair 0 path)
  list(GET pair 1 line)
  file(WRITE ${good}/${path} "${line}\n")
endforeach()
check_tree(${good} TRUE "the clean tree")

set(index 0)
foreach(entry ${bad_cases})
  math(EXPR index "${index} + 1")
  string(REPLACE "|" ";" pair "${entry}")
  list(GET pair 0 path)
  list(GET pair 1 line)
  set(tree ${WORK}/bad${index})
  file(COPY ${good}/ DESTINATION ${tree})
  file(WRITE ${tree}/${path} "${line}\n")
  check_tree(${tree} FALSE "${path}: ${line}")
endforeach()
file(REMOVE_RECURSE ${WORK})
message(STATUS "layers self-test: ${index} planted violations caught")
