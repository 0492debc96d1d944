#include "host/model_command.hpp"

#include <iomanip>
#include <optional>
#include <ostream>

#include "envs/mjcf/loader.hpp"
#include "envs/task.hpp"
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
  // the task first: an unknown name is reported before the file is read
  const std::optional<Task> checked = task.empty() ? std::nullopt : std::optional<Task>(Task(task));
  MjcfNames names;
  const Model m = load_mjcf_file(path, &names);
  if (checked) check_task_model(*checked, m, path);
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
  if (checked) out << "can drive task " << checked->name() << "\n";
  return 0;
}

}  // namespace stampede
