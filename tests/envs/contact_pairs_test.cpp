// The candidate contact pairs a model compiles to (envs/physics/contact_pairs.hpp): MuJoCo's
// filters, its visiting order, the 3.3.7 parameter rules, the capacities they imply, and the
// load errors for contacts the engine cannot simulate.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "envs/mjcf/loader.hpp"
#include "envs/mujoco/embedded_assets.hpp"
#include "envs/mujoco/task_models.hpp"
#include "envs/physics/contact_pairs.hpp"
#include "envs/physics/data.hpp"
#include "envs/tasks.hpp"
#include "support/mjcf_errors.hpp"

namespace stampede {
namespace {

std::set<std::pair<int, int>> pairs_of(const Model& m) {
  std::set<std::pair<int, int>> out;
  for (int p = 0; p < m.npair; ++p)
    out.insert({m.pair_geom1[p], m.pair_geom2[p]});
  return out;
}

int pair_index(const Model& m, int g1, int g2) {
  for (int p = 0; p < m.npair; ++p)
    if (m.pair_geom1[p] == g1 && m.pair_geom2[p] == g2) return p;
  return -1;
}

using testing::mjcf_load_error;

TEST(ContactPairs, HopperHasFloorPairsAndFrictionlessLinkPairs) {
  MjcfNames n;
  const Model m = load_mjcf_string(embedded_asset("hopper"), &n);
  const int floor = mjcf_find(n.geom, "floor"), torso = mjcf_find(n.geom, "torso_geom");
  const int thigh = mjcf_find(n.geom, "thigh_geom"), leg = mjcf_find(n.geom, "leg_geom");
  const int foot = mjcf_find(n.geom, "foot_geom");
  // parent-child links are filtered; torso-leg, torso-foot and thigh-foot are not
  const std::set<std::pair<int, int>> want = {{floor, torso}, {floor, thigh}, {floor, leg},
                                              {floor, foot},  {torso, leg},   {torso, foot},
                                              {thigh, foot}};
  EXPECT_EQ(pairs_of(m), want);
  // MuJoCo's order: by body pair, the world's pairs first
  EXPECT_EQ(m.pair_geom1[0], floor);
  EXPECT_EQ(m.pair_geom2[0], torso);
  const int p_foot = pair_index(m, floor, foot), p_link = pair_index(m, torso, foot);
  EXPECT_EQ(m.pair_dim[p_foot], 3);
  EXPECT_EQ(m.pair_dim[p_link], 1);
  EXPECT_FLOAT_EQ(m.pair_friction[p_foot][0], 2.0f);    // max of floor 1 and foot 2
  EXPECT_FLOAT_EQ(m.pair_friction[p_foot][2], 0.005f);  // spin: the floor's default
  EXPECT_FLOAT_EQ(m.pair_margin[p_foot], 0.001f);       // max, not MuJoCo 3.5's sum
  EXPECT_EQ(m.ncon_max, 14);
  EXPECT_EQ(m.nefc_contact_max, 8 * 4 + 6);
}

TEST(ContactPairs, WalkerAndCheetahCollideOnlyWithTheFloor) {
  const Model& walker = embedded_task_model("walker2d");
  const Model& cheetah = embedded_task_model("half_cheetah");
  EXPECT_EQ(walker.npair, 7);
  EXPECT_EQ(cheetah.npair, 8);
  for (const Model* m : {&walker, &cheetah}) {
    for (int p = 0; p < m->npair; ++p) {
      EXPECT_EQ(m->geom_type[m->pair_geom1[p]], kGeomPlane);
      EXPECT_EQ(m->pair_dim[p], 3);
    }
  }
  // HalfCheetah's solimp 0 stays 0 here; make_impedance clamps it to 1e-4 as MuJoCo does
  EXPECT_FLOAT_EQ(cheetah.pair_solimp[0][0], 0.0f);
  EXPECT_FLOAT_EQ(cheetah.pair_friction[0][0], 0.4f);  // the floor takes the default class too
  EXPECT_FLOAT_EQ(walker.pair_friction[walker.npair - 1][0], 1.9f);  // left foot 1.9, floor 0.7
}

// the task's capacities are exactly what its model can need
TEST(ContactPairs, TaskCapacitiesFitTheirModels) {
  const Model& hopper = embedded_task_model("hopper");
  EXPECT_TRUE(DataT<HopperSizes>::fits(hopper));
  EXPECT_EQ(hopper.ncon_max, HopperSizes::kConCapacity);
  EXPECT_EQ(limit_rows_max(hopper) + hopper.nefc_contact_max, HopperSizes::kEfcCapacity);
  const Model& walker = embedded_task_model("walker2d");
  EXPECT_EQ(walker.ncon_max, Walker2dSizes::kConCapacity);
  EXPECT_EQ(limit_rows_max(walker) + walker.nefc_contact_max, Walker2dSizes::kEfcCapacity);
  const Model& cheetah = embedded_task_model("half_cheetah");
  EXPECT_EQ(cheetah.ncon_max, HalfCheetahSizes::kConCapacity);
  EXPECT_EQ(limit_rows_max(cheetah) + cheetah.nefc_contact_max, HalfCheetahSizes::kEfcCapacity);
  // one contact more than the data holds does not fit
  Model more = hopper;
  more.ncon_max += 1;
  EXPECT_FALSE(DataT<HopperSizes>::fits(more));
}

constexpr const char* kFilterModel = R"(<mujoco>
  <worldbody>
    <geom name="floor" type="plane" size="1 1 0.1"/>
    <geom name="wall" type="plane" pos="1 0 0" zaxis="-1 0 0" size="1 1 0.1"/>
    <body name="static" pos="0 0 1">
      <geom name="post" type="sphere" size="0.1"/>
    </body>
    <body name="a" pos="0 0 1">
      <freejoint/>
      <geom name="a" type="sphere" size="0.1"/>
      <geom name="a_ghost" type="sphere" size="0.1" contype="2" conaffinity="2"/>
      <body name="b" pos="0 0 0.3">
        <joint type="hinge"/>
        <geom name="b" type="capsule" size="0.05 0.1"/>
        <body name="b_fixed" pos="0 0 0.2">
          <geom name="b_fixed" type="sphere" size="0.05"/>
        </body>
        <body name="c" pos="0 0 0.3">
          <joint type="hinge"/>
          <geom name="c" type="sphere" size="0.05"/>
        </body>
      </body>
    </body>
    <body name="d" pos="1 0 1">
      <freejoint/>
      <geom name="d" type="box" size="0.1 0.1 0.1" contype="4" conaffinity="4"/>
    </body>
  </worldbody>
  <contact>
    <exclude body1="c" body2="a"/>
  </contact>
</mujoco>)";

TEST(ContactPairs, MujocoFiltersApply) {
  MjcfNames n;
  const Model m = load_mjcf_string(kFilterModel, &n);
  auto g = [&](const char* name) { return mjcf_find(n.geom, name); };
  const std::set<std::pair<int, int>> want = {
      // world geoms (floor, wall, and the static body welded to the world) against the free
      // bodies, but never against each other (same weld body)
      {g("floor"), g("a")}, {g("floor"), g("b")}, {g("floor"), g("b_fixed")}, {g("floor"), g("c")},
      {g("wall"), g("a")},  {g("wall"), g("b")},  {g("wall"), g("b_fixed")},  {g("wall"), g("c")},
      {g("post"), g("a")},  {g("post"), g("b")},  {g("post"), g("b_fixed")},  {g("post"), g("c")},
      // b_fixed is welded to b, whose parent is a: a-b and a-b_fixed are parent-child; c is
      // excluded from a; b and c are parent-child; b_fixed and c: parent-child through the weld
  };
  EXPECT_EQ(pairs_of(m), want);
  // without the parent filter, a meets b and b_fixed, and b_fixed meets c
  Model no_parent = m;
  no_parent.opt.disableflags |= kDsblFilterParent;
  ASSERT_EQ(build_contact_pairs(no_parent, {{mjcf_find(n.body, "c"), mjcf_find(n.body, "a")}}).kind,
            ContactPairIssue::kNone);
  std::set<std::pair<int, int>> more = want;
  more.insert({g("a"), g("b")});
  more.insert({g("a"), g("b_fixed")});
  more.insert({g("c"), g("b")});  // sphere before capsule: geom1 has the lower type
  more.insert({g("b_fixed"), g("c")});
  EXPECT_EQ(pairs_of(no_parent), more);
  // disabling contacts (or constraints) leaves no pair
  Model off = m;
  off.opt.disableflags |= kDsblContact;
  build_contact_pairs(off);
  EXPECT_EQ(off.npair, 0);
  EXPECT_EQ(off.ncon_max, 0);
}

TEST(ContactPairs, ParametersCombineAsMujoco337) {
  const Model m = load_mjcf_string(R"(<mujoco>
  <worldbody>
    <geom name="floor" type="plane" size="1 1 0.1" margin="0.02" gap="0.01" condim="1"
          solmix="3" solref="0.04 2" solimp="0.5 0.6 0.01 0.5 2" friction="0.5 0.2 0.3"/>
    <body pos="0 0 1">
      <freejoint/>
      <geom type="sphere" size="0.1" margin="0.05" gap="0.001" condim="4" solmix="1"
            solref="0.02 1" solimp="0.9 0.95 0.001 0.5 2" friction="1 0.1 0.01"/>
    </body>
    <body pos="1 0 1">
      <freejoint/>
      <geom type="sphere" size="0.1" priority="1" condim="1" solref="-100 -10" friction="0.2"/>
    </body>
  </worldbody>
</mujoco>)");
  ASSERT_EQ(m.npair, 3);
  // floor-sphere, same priority
  EXPECT_EQ(m.pair_dim[0], 4);
  EXPECT_FLOAT_EQ(m.pair_margin[0], 0.05f);
  EXPECT_FLOAT_EQ(m.pair_gap[0], 0.01f);
  const float mix = 3.0f / 4.0f;  // solmix weights geom1 (the floor: the lower type)
  EXPECT_FLOAT_EQ(m.pair_solref[0][0], mix * 0.04f + (1 - mix) * 0.02f);
  EXPECT_FLOAT_EQ(m.pair_solref[0][1], mix * 2.0f + (1 - mix) * 1.0f);
  EXPECT_FLOAT_EQ(m.pair_solimp[0][0], mix * 0.5f + (1 - mix) * 0.9f);
  const float friction[5] = {1, 1, 0.2f, 0.3f, 0.3f};
  for (int k = 0; k < 5; ++k)
    EXPECT_FLOAT_EQ(m.pair_friction[0][k], friction[k]) << k;
  // the priority geom's parameters win whole, direct solref included
  const int p = m.pair_geom2[1] == 2 ? 1 : 2;
  EXPECT_EQ(m.pair_dim[p], 1);
  EXPECT_FLOAT_EQ(m.pair_solref[p][0], -100.0f);
  EXPECT_FLOAT_EQ(m.pair_friction[p][0], 0.2f);
}

TEST(ContactPairs, UnsupportedPairsAreLoadErrorsNamingBothGeoms) {
  const std::string msg = mjcf_load_error(R"(<mujoco>
  <worldbody>
    <geom name="ground" type="plane" size="1 1 0.1"/>
    <body pos="0 0 1">
      <freejoint/>
      <geom name="can" type="cylinder" size="0.1 0.2"/>
    </body>
  </worldbody>
</mujoco>)");
  EXPECT_NE(msg.find("<string>:6:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'ground' (plane, line 3)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'can' (cylinder, line 6)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no collider"), std::string::npos) << msg;
  // box-box has no collider here; capsule-box has
  const std::string boxes = mjcf_load_error(R"(<mujoco>
  <worldbody>
    <geom name="crate" type="box" size="1 1 0.1"/>
    <body pos="0 0 1"><freejoint/><geom name="brick" type="box" size="0.1 0.1 0.1"/></body>
  </worldbody>
</mujoco>)");
  EXPECT_NE(boxes.find("'crate' (box, line 3)"), std::string::npos) << boxes;
  EXPECT_NE(boxes.find("'brick' (box, line 4)"), std::string::npos) << boxes;
  EXPECT_EQ(mjcf_load_error(R"(<mujoco>
  <worldbody>
    <geom name="crate" type="box" size="1 1 0.1"/>
    <body pos="0 0 1"><freejoint/><geom name="pill" type="capsule" size="0.1 0.3"/></body>
  </worldbody>
</mujoco>)"),
            "");
  // filtered out, or contacts disabled: loads
  EXPECT_EQ(mjcf_load_error(R"(<mujoco>
  <worldbody>
    <geom type="plane" size="1 1 0.1"/>
    <body pos="0 0 1"><freejoint/><geom type="cylinder" size="0.1 0.2" contype="0"
                                            conaffinity="0"/></body>
  </worldbody>
</mujoco>)"),
            "");
  EXPECT_EQ(mjcf_load_error(R"(<mujoco>
  <option><flag contact="disable"/></option>
  <worldbody>
    <geom type="plane" size="1 1 0.1"/>
    <body pos="0 0 1"><freejoint/><geom type="ellipsoid" size="0.1 0.2 0.3"/></body>
  </worldbody>
</mujoco>)"),
            "");
}

TEST(ContactPairs, CapacityErrorsSayByHowMuch) {
  // one body of 17 boxes over a floor: 17 x 4 = 68 contacts, 4 more than the engine holds
  std::string xml = "<mujoco>\n<worldbody>\n<geom type=\"plane\" size=\"1 1 0.1\"/>\n";
  xml += "<body pos=\"0 0 1\"><joint type=\"slide\"/>\n";
  for (int i = 0; i < 17; ++i)
    xml += "<geom type=\"box\" pos=\"" + std::to_string(i) + " 0 0\" size=\"0.1 0.1 0.1\"/>\n";
  xml += "</body>\n</worldbody>\n</mujoco>\n";
  const std::string msg = mjcf_load_error(xml);
  EXPECT_NE(msg.find("<string>:1:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("68 contacts"), std::string::npos) << msg;
  EXPECT_NE(msg.find("capacity of 64 (4 over)"), std::string::npos) << msg;
}

TEST(ContactPairs, ContactElementsOutsideTheSubsetAreErrors) {
  EXPECT_NE(mjcf_load_error("<mujoco>\n<worldbody/>\n<contact>\n<pair geom1=\"a\" geom2=\"b\"/>\n"
                            "</contact>\n</mujoco>")
                .find("<string>:4: <pair>: explicit contact pairs are outside the MJCF subset"),
            std::string::npos);
  EXPECT_NE(mjcf_load_error("<mujoco>\n<worldbody/>\n<contact>\n<exclude body1=\"world\" "
                            "body2=\"nobody\"/>\n</contact>\n</mujoco>")
                .find("<string>:4: <exclude>: unknown body 'nobody'"),
            std::string::npos);
  EXPECT_NE(mjcf_load_error("<mujoco>\n<option cone=\"elliptic\"/>\n<worldbody/>\n</mujoco>")
                .find("<string>:2: <option>: elliptic friction cones are outside"),
            std::string::npos);
}

}  // namespace
}  // namespace stampede
