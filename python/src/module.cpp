// stampede._core: the C++ engine for the Python package (python/stampede/). Thin: the vector
// environment (host/vec_env.hpp), loaded policies (host/loaded_policy.hpp) and the command line's
// train (host/cli.hpp), with the engine's buffers handed to Python through DLPack (nanobind's
// ndarray) without copies. Errors become Python exceptions: a user's mistake (UsageError)
// ValueError, an I/O failure OSError.
#include <signal.h>

#include <cstring>
#include <iostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <type_traits>
#include <vector>

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "core/errors.hpp"
#include "envs/task.hpp"
#include "host/cli.hpp"
#include "host/cpu/parallel.hpp"
#include "host/durable_file.hpp"
#include "host/loaded_policy.hpp"
#include "host/physics_batch.hpp"
#include "host/trainer.hpp"
#include "host/vec_env.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace stampede {
namespace {

// what an array argument holds, as the engine wants it: float32, C order, on the CPU; a
// float32 C-contiguous host array is used in place, anything else is converted into `scratch`
const float* as_floats(const nb::ndarray<nb::ro>& a, const std::vector<size_t>& shape,
                       const char* what, std::vector<float>* scratch) {
  if (a.device_type() != nb::device::cpu::value) {
    throw UsageError(std::string(what) + " must be on the CPU for a device=\"cpu\" environment");
  }
  std::ostringstream want, got;
  for (size_t d = 0; d < shape.size(); ++d)
    want << (d ? ", " : "") << shape[d];
  for (size_t d = 0; d < a.ndim(); ++d)
    got << (d ? ", " : "") << a.shape(d);
  bool same = a.ndim() == shape.size();
  for (size_t d = 0; same && d < shape.size(); ++d)
    same = a.shape(d) == shape[d];
  if (!same) {
    throw UsageError(std::string(what) + " has shape (" + got.str() + "), expected (" + want.str() +
                     ")");
  }
  const nb::dlpack::dtype t = a.dtype();
  const bool is_f32 = t == nb::dtype<float>();
  size_t count = 1;
  for (size_t n : shape)
    count *= n;
  // C order: each stride is the product of the dimensions after it
  bool c_order = true;
  int64_t expect = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] > 1 && a.stride(d) != expect) c_order = false;
    expect *= static_cast<int64_t>(shape[d]);
  }
  if (is_f32 && c_order) return static_cast<const float*>(a.data());

  const auto code = static_cast<nb::dlpack::dtype_code>(t.code);
  const bool supported =
      t.lanes == 1 && ((code == nb::dlpack::dtype_code::Float && (t.bits == 32 || t.bits == 64)) ||
                       (code == nb::dlpack::dtype_code::Int && (t.bits == 32 || t.bits == 64)) ||
                       (code == nb::dlpack::dtype_code::UInt && t.bits == 8));
  if (!supported) {
    throw UsageError(std::string(what) +
                     " must hold float32, float64, int32, int64 or uint8 numbers");
  }
  scratch->resize(count);
  const auto* base = static_cast<const uint8_t*>(a.data());
  const size_t item = t.bits / 8;
  for (size_t k = 0; k < count; ++k) {
    size_t rest = k;
    int64_t offset = 0;  // in elements
    for (size_t d = shape.size(); d-- > 0;) {
      offset += static_cast<int64_t>(rest % shape[d]) * a.stride(d);
      rest /= shape[d];
    }
    const uint8_t* p = base + offset * static_cast<int64_t>(item);
    double v = 0;
    if (code == nb::dlpack::dtype_code::Float) {
      v = t.bits == 32 ? *reinterpret_cast<const float*>(p) : *reinterpret_cast<const double*>(p);
    } else if (code == nb::dlpack::dtype_code::Int) {
      v = t.bits == 32 ? static_cast<double>(*reinterpret_cast<const int32_t*>(p))
                       : static_cast<double>(*reinterpret_cast<const int64_t*>(p));
    } else {
      v = *p;
    }
    (*scratch)[k] = static_cast<float>(v);
  }
  return scratch->data();
}

nb::dict spec_dict(const EnvSpec& s) {
  nb::dict d;
  d["name"] = std::string(s.task.name());
  d["gym_id"] = std::string(s.task.gym_id());
  d["obs_dim"] = s.obs_dim;
  d["act_dim"] = s.act_dim;
  d["num_actions"] = s.num_actions;
  d["action_low"] = s.action_low;
  d["action_high"] = s.action_high;
  d["max_episode_steps"] = s.max_episode_steps;
  d["is_mujoco"] = s.task.is_mujoco();
  return d;
}

// a new array the caller owns (results of load_policy)
template <class T>
nb::ndarray<nb::numpy, T> owned(std::vector<T>&& values, std::vector<size_t> shape) {
  auto* data = new std::vector<T>(std::move(values));
  nb::capsule owner(data, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::ndarray<nb::numpy, T>(data->data(), shape.size(), shape.data(), owner);
}

// a stream that shows what it is given on std::cout (progress) and keeps a copy
class TeeBuffer : public std::streambuf {
 public:
  std::string text;

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    text.push_back(static_cast<char>(c));
    return std::cout.rdbuf()->sputc(static_cast<char>(c));
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    text.append(s, static_cast<size_t>(n));
    return std::cout.rdbuf()->sputn(s, n);
  }
  int sync() override { return std::cout.rdbuf()->pubsync(); }
};

// `train` as the command line runs it, with its SIGINT/SIGTERM handling for the call's duration;
// returns (exit code, what it printed, its error output)
std::tuple<int, std::string, std::string> run_train(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"stampede", "train"};
  for (const std::string& a : args)
    argv.push_back(a.c_str());
  struct sigaction old_int {
  }, old_term{};
  ::sigaction(SIGINT, nullptr, &old_int);
  ::sigaction(SIGTERM, nullptr, &old_term);
  std::ostringstream err;
  TeeBuffer tee;
  std::ostream out(&tee);
  int code = 1;
  {
    nb::gil_scoped_release released;
    install_stop_signals();
    try {
      code = run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
    } catch (const std::bad_alloc&) {
      err << "error: out of memory\n";
      code = 2;
    } catch (const std::exception& e) {
      err << "error: " << e.what() << "\n";
      code = 1;
    }
    std::cout.flush();
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  return {code, tee.text, err.str()};
}

// a field of every state in a PhysicsBatch as one [batch, inner...] array: the states lie
// sizeof(Data) apart, and a field's rows beyond the model's count (capacity) are not shown
template <class T>
nb::ndarray<nb::numpy, T> batch_field(PhysicsBatch& b, T* first, std::vector<size_t> inner) {
  std::vector<size_t> shape{static_cast<size_t>(b.size())};
  shape.insert(shape.end(), inner.begin(), inner.end());
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size() - 1; d-- > 1;)
    strides[d] = strides[d + 1] * static_cast<int64_t>(shape[d + 1]);
  static_assert(sizeof(Data) % sizeof(T) == 0);
  strides[0] = static_cast<int64_t>(sizeof(Data) / sizeof(T));
  return nb::ndarray<nb::numpy, T>(first, shape.size(), shape.data(), nb::handle(), strides.data());
}

}  // namespace
}  // namespace stampede

NB_MODULE(_core, m) {
  using namespace stampede;
  m.doc() = "Stampede's engine: vector environments, policies and the trainer";
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const UsageError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });

  m.def(
      "tasks",
      [] {
        std::vector<std::string> names;
        for (Task t : all_tasks())
          names.emplace_back(t.name());
        return names;
      },
      "our names of every task, in `stampede envs` order");
  m.def("task_spec", [](const std::string& name) { return spec_dict(task_spec(Task(name))); });
  m.def("set_threads", &set_cpu_threads, "threads"_a,
        "threads of the CPU backend from now on (0: every hardware thread)");
  m.def("version", [] { return std::string(STAMPEDE_VERSION); });
  m.def("train", &run_train, "args"_a,
        "runs `stampede train ARGS...`; returns (exit code, output, error output)");

  nb::class_<VecEnv>(m, "VecEnv")
      .def(
          "__init__",
          [](VecEnv* self, const std::string& task, int num_envs, const std::string& model) {
            new (self) VecEnv(Task(task), num_envs, model);
          },
          "task"_a, "num_envs"_a, "model"_a = "")
      .def_prop_ro("spec", [](const VecEnv& e) { return spec_dict(e.spec()); })
      .def_prop_ro("num_envs", &VecEnv::num_envs)
      .def_prop_ro("steps", &VecEnv::steps)
      .def(
          "reset",
          [](VecEnv& e, uint64_t seed) {
            nb::gil_scoped_release released;
            e.reset(seed);
          },
          "seed"_a)
      .def(
          "step",
          [](VecEnv& e, const nb::ndarray<nb::ro>& actions) {
            const EnvSpec& s = e.spec();
            const size_t n = static_cast<size_t>(e.num_envs());
            std::vector<size_t> shape{n};
            if (!s.discrete()) shape.push_back(static_cast<size_t>(s.act_dim));
            std::vector<float> scratch;
            const float* a = as_floats(actions, shape, "actions", &scratch);
            nb::gil_scoped_release released;
            e.step(a);
          },
          "actions"_a)
      // the engine's buffers by name, shared: each array holds the environment alive
      .def("buffers", [](nb::handle self) {
        VecEnv& e = nb::cast<VecEnv&>(self);
        const size_t n = static_cast<size_t>(e.num_envs());
        const size_t obs = static_cast<size_t>(e.spec().obs_dim);
        const auto array = [&](auto* data, std::vector<size_t> shape) {
          using T = std::remove_pointer_t<decltype(data)>;
          return nb::ndarray<nb::numpy, T>(data, shape.size(), shape.data(), self);
        };
        nb::dict d;
        d["obs"] = array(e.obs(), {n, obs});
        d["final_obs"] = array(e.final_obs(), {n, obs});
        d["reward"] = array(e.reward(), {n});
        // 0/1 bytes, read as NumPy bools
        d["terminated"] = array(reinterpret_cast<bool*>(e.terminated()), {n});
        d["truncated"] = array(reinterpret_cast<bool*>(e.truncated()), {n});
        d["ended_return"] = array(e.ended_return(), {n});
        d["ended_length"] = array(e.ended_length(), {n});
        d["bad_state_resets"] = array(e.bad_state_resets(), {n});
        return d;
      });

  nb::class_<LoadedPolicy>(m, "Policy")
      .def(nb::init<const std::string&>(), "path"_a)
      .def_prop_ro("spec", [](const LoadedPolicy& p) { return spec_dict(p.spec()); })
      .def_prop_ro("iteration",
                   [](const LoadedPolicy& p) { return p.checkpoint().state.iteration; })
      .def(
          "act",
          [](const LoadedPolicy& p, const nb::ndarray<nb::ro>& obs, std::optional<uint64_t> seed) {
            const EnvSpec& s = p.spec();
            if (obs.ndim() != 2) throw UsageError("obs must be a 2-D array [batch, obs_dim]");
            const size_t batch = obs.shape(0);
            std::vector<float> scratch;
            const float* x =
                as_floats(obs, {batch, static_cast<size_t>(s.obs_dim)}, "obs", &scratch);
            std::vector<float> actions(batch * static_cast<size_t>(s.act_dim));
            {
              nb::gil_scoped_release released;
              p.act(x, static_cast<int64_t>(batch), actions.data(), seed ? &*seed : nullptr);
            }
            return owned(std::move(actions), {batch, static_cast<size_t>(s.act_dim)});
          },
          "obs"_a, "seed"_a = nb::none())
      .def(
          "value",
          [](const LoadedPolicy& p, const nb::ndarray<nb::ro>& obs) {
            const EnvSpec& s = p.spec();
            if (obs.ndim() != 2) throw UsageError("obs must be a 2-D array [batch, obs_dim]");
            const size_t batch = obs.shape(0);
            std::vector<float> scratch;
            const float* x =
                as_floats(obs, {batch, static_cast<size_t>(s.obs_dim)}, "obs", &scratch);
            std::vector<float> values(batch);
            {
              nb::gil_scoped_release released;
              p.value(x, static_cast<int64_t>(batch), values.data());
            }
            return owned(std::move(values), {batch});
          },
          "obs"_a);

  nb::class_<PhysicsModel>(m, "PhysicsModel")
      .def_static("load", &PhysicsModel::load, "xml_or_path"_a)
      .def_prop_ro("nq", [](const PhysicsModel& p) { return p.model.nq; })
      .def_prop_ro("nv", [](const PhysicsModel& p) { return p.model.nv; })
      .def_prop_ro("nu", [](const PhysicsModel& p) { return p.model.nu; })
      .def_prop_ro("nbody", [](const PhysicsModel& p) { return p.model.nbody; })
      .def_prop_ro("njnt", [](const PhysicsModel& p) { return p.model.njnt; })
      .def_prop_ro("ngeom", [](const PhysicsModel& p) { return p.model.ngeom; })
      .def_prop_ro("nsite", [](const PhysicsModel& p) { return p.model.nsite; })
      .def_prop_ro("timestep", [](const PhysicsModel& p) { return p.model.opt.timestep; })
      .def_prop_ro("body_names", [](const PhysicsModel& p) { return p.names.body; })
      .def_prop_ro("joint_names", [](const PhysicsModel& p) { return p.names.joint; })
      .def_prop_ro("actuator_names", [](const PhysicsModel& p) { return p.names.actuator; });

  nb::class_<PhysicsBatch>(m, "PhysicsBatch")
      .def(nb::init<std::shared_ptr<const PhysicsModel>, int>(), "model"_a, "batch"_a)
      .def_prop_ro("size", &PhysicsBatch::size)
      .def("reset",
           [](PhysicsBatch& b) {
             nb::gil_scoped_release released;
             b.reset();
           })
      .def("forward",
           [](PhysicsBatch& b) {
             nb::gil_scoped_release released;
             b.forward();
           })
      .def(
          "step",
          [](PhysicsBatch& b, int nstep) {
            nb::gil_scoped_release released;
            b.step(nstep);
          },
          "nstep"_a = 1)
      .def("bad_state_resets",
           [](const PhysicsBatch& b) {
             return std::vector<int32_t>(b.bad_state_resets().begin(), b.bad_state_resets().end());
           })
      .def(
          "field",
          [](PhysicsBatch& b, const std::string& name) {
            const Model& mo = b.model();
            Data& d = b.data()[0];
            const auto n = [](int count) { return static_cast<size_t>(count); };
            if (name == "time") return batch_field(b, &d.time, {});
            if (name == "qpos") return batch_field(b, d.qpos, {n(mo.nq)});
            if (name == "qvel") return batch_field(b, d.qvel, {n(mo.nv)});
            if (name == "ctrl") return batch_field(b, d.ctrl, {n(mo.nu)});
            if (name == "qacc") return batch_field(b, d.qacc, {n(mo.nv)});
            if (name == "qacc_warmstart") return batch_field(b, d.qacc_warmstart, {n(mo.nv)});
            if (name == "xpos") return batch_field(b, &d.xpos[0][0], {n(mo.nbody), 3});
            if (name == "xquat") return batch_field(b, &d.xquat[0][0], {n(mo.nbody), 4});
            if (name == "xmat") return batch_field(b, &d.xmat[0][0], {n(mo.nbody), 9});
            if (name == "xipos") return batch_field(b, &d.xipos[0][0], {n(mo.nbody), 3});
            if (name == "subtree_com")
              return batch_field(b, &d.subtree_com[0][0], {n(mo.nbody), 3});
            if (name == "cinert") return batch_field(b, &d.cinert[0][0], {n(mo.nbody), 10});
            if (name == "cvel") return batch_field(b, &d.cvel[0][0], {n(mo.nbody), 6});
            if (name == "cdof") return batch_field(b, &d.cdof[0][0], {n(mo.nv), 6});
            if (name == "geom_xpos") return batch_field(b, &d.geom_xpos[0][0], {n(mo.ngeom), 3});
            if (name == "site_xpos") return batch_field(b, &d.site_xpos[0][0], {n(mo.nsite), 3});
            if (name == "actuator_force") return batch_field(b, d.actuator_force, {n(mo.nu)});
            if (name == "qfrc_actuator") return batch_field(b, d.qfrc_actuator, {n(mo.nv)});
            if (name == "qfrc_bias") return batch_field(b, d.qfrc_bias, {n(mo.nv)});
            if (name == "qfrc_passive") return batch_field(b, d.qfrc_passive, {n(mo.nv)});
            if (name == "qfrc_constraint") return batch_field(b, d.qfrc_constraint, {n(mo.nv)});
            throw UsageError("no field '" + name + "'");
          },
          "name"_a, nb::rv_policy::reference_internal);
}
