// MJCF compiler: MjcfSpec to CompiledMjcf. Flattens the body tree depth first (MuJoCo's
// numbering), resolves frames and fromto, computes geom and body mass properties, joint limits
// and qpos0, applies settotalmass, and computes the qpos0 constants (body/dof invweight0,
// meaninertia) the constraint solver needs.
#pragma once

#include "envs/mjcf/spec.hpp"

namespace stampede {

CompiledMjcf compile_mjcf(const MjcfSpec& spec);

// Constants MuJoCo's mj_setConst computes at qpos0 from the mass matrix: body_invweight0,
// dof_invweight0 and stat_meaninertia. Needs body_simple, frames and mass properties filled.
void compute_qpos0_constants(CompiledMjcf* m);

}  // namespace stampede
