#include "host/model_command.hpp"

#include <iomanip>
#include <ostream>

#include "envs/physics/mjcf_loader.hpp"
#include "envs/registry.hpp"
#include "host/config.hpp"

namespace stampede {

namespace {

const char* joint_type_name(int type) {
  switch (type) {
    case kJntFree:
      return "free";
    case kJntBall:
      return "ball";
    case kJntSlide:
      return "slide";
    default:
      return "hinge";
  }
}

std::string or_index(const std::string& name, int index) {
  return name.empty() ? std::to_string(index).insert(0, 1, '#') : name;
}

}  // namespace

int run_model_command(const std::string& path, const std::string& task, std::ostream& out) {
  Model m{};
  MjcfNames names;
  try {
    m = load_mjcf_file(path, &names);
    if (!task.empty()) check_task_model(task, m, path);
  } catch (const MjcfError& e) {
    throw UsageError(e.what());
  } catch (const TaskModelError& e) {
    throw UsageError(e.what());
  }
  out << std::fixed << std::setprecision(4) << path << ": nq " << m.nq << ", nv " << m.nv << ", nu "
      << m.nu << ", " << m.nbody << " bodies, " << m.ngeom << " geoms; timestep " << m.opt.timestep
      << ", " << (m.opt.integrator == kIntRK4 ? "RK4" : "Euler") << "\n";
  for (int b = 1; b < m.nbody; ++b) {
    out << "  body " << or_index(names.body[b], b) << ": mass " << m.body_mass[b] << "\n";
  }
  for (int j = 0; j < m.njnt; ++j) {
    out << "  joint " << or_index(names.joint[j], j) << ": " << joint_type_name(m.jnt_type[j])
        << (m.jnt_limited[j] ? ", limited" : "") << "\n";
  }
  for (int u = 0; u < m.nu; ++u) {
    out << "  actuator " << or_index(names.actuator[u], u) << ": gear " << m.actuator_gear[u]
        << ", ctrlrange [" << m.actuator_ctrlrange[u][0] << ", " << m.actuator_ctrlrange[u][1]
        << "]\n";
  }
  if (!task.empty()) out << "can drive task " << task << "\n";
  return 0;
}

}  // namespace stampede
