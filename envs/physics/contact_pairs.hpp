// The candidate contact pairs of a model, computed once when it is built (host only). MuJoCo
// finds pairs every step (broad phase, then filters); the filters depend on the model alone, so
// applying them here leaves a fixed list for the step. The rules are MuJoCo 3.3.7's:
//  - no contacts at all when constraints or contacts are disabled;
//  - geoms of the same weld body never collide, nor geoms of a weld body and its parent's weld
//    body unless that parent is the world (or the model disables the parent filter);
//  - (contype1 & conaffinity2) || (contype2 & conaffinity1) must hold;
//  - body pairs listed in <contact><exclude> never collide;
//  - pairs with no collider (plane-plane) are never tested;
//  - the pair is ordered so that geom1's type <= geom2's, and the list is sorted as MuJoCo's
//    collision visits pairs (by body pair, then by geom pair), so contacts come in MuJoCo's order.
// Contact parameters are combined as mj_contactParam does in 3.3.7 (the margin is the larger
// geom margin; 3.5 changed it to the sum): gap max; the higher priority geom's condim, solref,
// solimp and friction, or, at equal priority, condim max, solref mixed by solmix (element-wise
// min in the direct format), solimp mixed, friction element-wise max, each friction >= 1e-5.
#pragma once

#include <algorithm>
#include <array>
#include <vector>

#include "envs/physics/collision.hpp"
#include "envs/physics/contact_rows.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"

namespace stampede {

inline constexpr double kMinFriction = 1e-5;  // MuJoCo's mjMINMU

// why a model's contacts cannot be simulated (kind kNone: they can)
struct ContactPairIssue {
  enum Kind { kNone, kUnsupportedPair, kTooManyPairs, kTooManyContacts, kTooManyRows };
  Kind kind = kNone;
  int geom1 = -1, geom2 = -1;    // kUnsupportedPair: the geoms, in model order
  int needed = 0, capacity = 0;  // the capacity kinds
};

namespace contact_pairs_detail {

inline bool welded_out(const Model& m, int b1, int b2) {
  const int w1 = m.body_weldid[b1], w2 = m.body_weldid[b2];
  if (w1 == w2) return true;
  if (m.opt.disableflags & kDsblFilterParent) return false;
  const int parent1 = m.body_weldid[m.body_parentid[w1]];
  const int parent2 = m.body_weldid[m.body_parentid[w2]];
  return w1 != 0 && w2 != 0 && (w1 == parent2 || w2 == parent1);
}

inline double solmix_weight(double mix1, double mix2) {
  const double tiny = 1e-15;
  if (mix1 >= tiny && mix2 >= tiny) return mix1 / (mix1 + mix2);
  if (mix1 < tiny && mix2 < tiny) return 0.5;
  return mix1 < tiny ? 0.0 : 1.0;
}

// mj_contactParam for geoms g1, g2 into pair slot p
inline void combine_params(Model& m, int p, int g1, int g2) {
  const double gap = std::max<double>(m.geom_gap[g1], m.geom_gap[g2]);
  m.pair_margin[p] = std::max(m.geom_margin[g1], m.geom_margin[g2]);
  m.pair_gap[p] = static_cast<Real>(gap);
  double friction[3], solref[2], solimp[5];
  int condim;
  if (m.geom_priority[g1] != m.geom_priority[g2]) {
    const int g = m.geom_priority[g1] > m.geom_priority[g2] ? g1 : g2;
    condim = m.geom_condim[g];
    for (int k = 0; k < 2; ++k)
      solref[k] = m.geom_solref[g][k];
    for (int k = 0; k < 5; ++k)
      solimp[k] = m.geom_solimp[g][k];
    for (int k = 0; k < 3; ++k)
      friction[k] = m.geom_friction[g][k];
  } else {
    condim = std::max(m.geom_condim[g1], m.geom_condim[g2]);
    const double mix = solmix_weight(m.geom_solmix[g1], m.geom_solmix[g2]);
    const bool standard = m.geom_solref[g1][0] > 0 && m.geom_solref[g2][0] > 0;
    for (int k = 0; k < 2; ++k) {
      const double r1 = m.geom_solref[g1][k], r2 = m.geom_solref[g2][k];
      solref[k] = standard ? mix * r1 + (1 - mix) * r2 : std::min(r1, r2);
    }
    for (int k = 0; k < 5; ++k)
      solimp[k] = mix * m.geom_solimp[g1][k] + (1 - mix) * m.geom_solimp[g2][k];
    for (int k = 0; k < 3; ++k)
      friction[k] = std::max<double>(m.geom_friction[g1][k], m.geom_friction[g2][k]);
  }
  m.pair_dim[p] = condim;
  const double five[5] = {friction[0], friction[0], friction[1], friction[2], friction[2]};
  for (int k = 0; k < 5; ++k)
    m.pair_friction[p][k] = static_cast<Real>(std::max(kMinFriction, five[k]));
  for (int k = 0; k < 2; ++k)
    m.pair_solref[p][k] = static_cast<Real>(solref[k]);
  for (int k = 0; k < 5; ++k)
    m.pair_solimp[p][k] = static_cast<Real>(solimp[k]);
}

}  // namespace contact_pairs_detail

// Fills m's pair arrays, npair, ncon_max and nefc_contact_max. `excluded` lists body pairs
// (either order) that never collide. On an issue the pair arrays are left empty.
inline ContactPairIssue build_contact_pairs(Model& m,
                                            const std::vector<std::array<int, 2>>& excluded = {}) {
  using namespace contact_pairs_detail;
  m.npair = m.ncon_max = m.nefc_contact_max = 0;
  ContactPairIssue issue;
  if (m.opt.disableflags & (kDsblConstraint | kDsblContact)) return issue;

  struct Candidate {
    int body1, body2, geom1, geom2;  // body1 < body2; geoms ordered by type
  };
  std::vector<Candidate> found;
  for (int ga = 0; ga < m.ngeom; ++ga) {
    for (int gb = ga + 1; gb < m.ngeom; ++gb) {
      int ba = m.geom_bodyid[ga], bb = m.geom_bodyid[gb];
      if (welded_out(m, ba, bb)) continue;
      if (!(m.geom_contype[ga] & m.geom_conaffinity[gb]) &&
          !(m.geom_contype[gb] & m.geom_conaffinity[ga]))
        continue;
      const bool is_excluded = std::any_of(excluded.begin(), excluded.end(), [&](const auto& e) {
        return (e[0] == ba && e[1] == bb) || (e[0] == bb && e[1] == ba);
      });
      if (is_excluded) continue;
      // MuJoCo visits body pairs with the lower body id first, its geom first within the pair
      int g_lo = ga, g_hi = gb;
      if (ba > bb) {
        std::swap(ba, bb);
        std::swap(g_lo, g_hi);
      }
      if (m.geom_type[g_lo] > m.geom_type[g_hi]) std::swap(g_lo, g_hi);
      const int most = collider_max_contacts(m.geom_type[g_lo], m.geom_type[g_hi]);
      if (most == 0) continue;
      if (most < 0) {
        issue.kind = ContactPairIssue::kUnsupportedPair;
        issue.geom1 = std::min(ga, gb);
        issue.geom2 = std::max(ga, gb);
        return issue;
      }
      found.push_back({ba, bb, g_lo, g_hi});
    }
  }
  std::sort(found.begin(), found.end(), [](const Candidate& x, const Candidate& y) {
    return std::array<int, 4>{x.body1, x.body2, x.geom1, x.geom2} <
           std::array<int, 4>{y.body1, y.body2, y.geom1, y.geom2};
  });

  const int npair = static_cast<int>(found.size());
  if (npair > kMaxPairs) {
    issue.kind = ContactPairIssue::kTooManyPairs;
    issue.needed = npair;
    issue.capacity = kMaxPairs;
    return issue;
  }
  int ncon = 0, rows = 0;
  for (int p = 0; p < npair; ++p) {
    m.pair_geom1[p] = found[p].geom1;
    m.pair_geom2[p] = found[p].geom2;
    combine_params(m, p, found[p].geom1, found[p].geom2);
    const int most =
        collider_max_contacts(m.geom_type[found[p].geom1], m.geom_type[found[p].geom2]);
    ncon += most;
    rows += most * contact_rows(m.pair_dim[p]);
  }
  if (ncon > kMaxContacts) {
    issue.kind = ContactPairIssue::kTooManyContacts;
    issue.needed = ncon;
    issue.capacity = kMaxContacts;
    return issue;
  }
  if (limit_rows_max(m) + rows > kMaxEfc) {
    issue.kind = ContactPairIssue::kTooManyRows;
    issue.needed = limit_rows_max(m) + rows;
    issue.capacity = kMaxEfc;
    return issue;
  }
  m.npair = npair;
  m.ncon_max = ncon;
  m.nefc_contact_max = rows;
  return issue;
}

}  // namespace stampede
