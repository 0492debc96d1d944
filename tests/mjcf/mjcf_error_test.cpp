// MJCF loader on bad input: malformed XML, elements and attributes outside the subset, bad
// values. Every failure is an MjcfError naming the source, the line and the element; purely
// visual parts are accepted.
#include <gtest/gtest.h>

#include <string>

#include "envs/mjcf/loader.hpp"
#include "support/mjcf_errors.hpp"

namespace stampede {
namespace {

using testing::mjcf_load_error;

// a valid model with a marker where a test inserts its body content (line 4 onwards)
std::string model_with(const std::string& body_content, const std::string& extra = "") {
  return "<mujoco model=\"t\">\n" + extra +
         "<worldbody>\n"
         "<body name=\"b\" pos=\"0 0 1\">\n" +
         body_content +
         "\n<joint name=\"j\" type=\"hinge\"/><geom name=\"g\" type=\"sphere\" size=\"0.1\"/>\n"
         "</body>\n</worldbody>\n</mujoco>\n";
}

void expect_error(const std::string& xml, const std::string& line, const std::string& element,
                  const std::string& what) {
  std::string msg = mjcf_load_error(xml);
  ASSERT_FALSE(msg.empty()) << "no error for:\n" << xml;
  EXPECT_NE(msg.find("<string>:" + line + ":"), std::string::npos) << msg;
  EXPECT_NE(msg.find("<" + element), std::string::npos) << msg;
  EXPECT_NE(msg.find(what), std::string::npos) << msg;
}

TEST(MjcfError, MalformedXmlNamesTheLine) {
  std::string msg =
      mjcf_load_error("<mujoco>\n<worldbody>\n<body name=\"a\">\n</worldbody>\n</mujoco>");
  EXPECT_NE(msg.find("malformed XML"), std::string::npos) << msg;
  EXPECT_NE(msg.find("<string>:4:"), std::string::npos) << msg;
  EXPECT_NE(mjcf_load_error("").find("malformed XML"), std::string::npos);
  EXPECT_NE(mjcf_load_error("<robot/>").find("root element must be <mujoco>"), std::string::npos);
}

TEST(MjcfError, UnknownAndUnsupportedElements) {
  expect_error(model_with("<foo/>"), "4", "foo", "outside the MJCF subset");
  expect_error(model_with("<frame/>"), "4", "frame", "outside the MJCF subset");
  expect_error(model_with("", "<tendon>\n<fixed name=\"t\"/>\n</tendon>\n"), "3", "fixed",
               "outside the MJCF subset");
  expect_error(model_with("", "<equality><weld body1=\"b\"/></equality>\n"), "2", "weld",
               "outside the MJCF subset");
  expect_error(model_with("", "<actuator>\n<position joint=\"j\"/></actuator>\n"), "3", "position",
               "only motor");
  expect_error(model_with("", "<asset><mesh name=\"m\" file=\"m.stl\"/></asset>\n"), "2", "mesh",
               "asset outside");
  expect_error(model_with("", "<bogus/>\n"), "2", "bogus", "unknown");
}

TEST(MjcfError, UnsupportedDynamicAttributes) {
  expect_error(model_with("<geom type=\"box\" size=\"1 1 1\" fluidshape=\"ellipsoid\"/>"), "4",
               "geom", "unsupported attribute 'fluidshape'");
  expect_error(model_with("<joint name=\"f\" frictionloss=\"0.5\"/>"), "4", "joint",
               "'frictionloss' is supported only as 0");
  expect_error(model_with("<geom type=\"mesh\" mesh=\"x\"/>"), "4", "geom",
               "unsupported attribute 'mesh'");
  expect_error(model_with("<geom type=\"mesh\"/>"), "4", "geom", "outside the MJCF subset");
  expect_error(model_with("<geom type=\"sphere\" size=\"1\" shellinertia=\"true\"/>"), "4", "geom",
               "'shellinertia' is supported only as false");
  expect_error(model_with("", "<option integrator=\"implicitfast\"/>\n"), "2", "option",
               "must be one of {Euler, RK4}");
  expect_error(model_with("", "<option cone=\"elliptic\"/>\n"), "2", "option", "cone");
  expect_error(model_with("", "<option solver=\"CG\"/>\n"), "2", "option", "CG");
  expect_error(model_with("", "<option><flag override=\"enable\"/></option>\n"), "2", "flag",
               "override");
  expect_error(model_with("", "<option><flag midphase=\"disable\"/></option>\n"), "2", "flag",
               "midphase");
  expect_error(model_with("", "<compiler coordinate=\"global\"/>\n"), "2", "compiler",
               "coordinate");
  expect_error(model_with("", "<default><tendon stiffness=\"1\"/></default>\n"), "2", "tendon",
               "outside the MJCF subset");
  expect_error(
      "<mujoco>\n<worldbody>\n<body gravcomp=\"1\"><joint/><geom size=\"1\"/></body>\n"
      "</worldbody>\n</mujoco>",
      "3", "body", "gravcomp");
  expect_error(model_with("", "<actuator>\n<motor joint=\"j\" tendon=\"t\"/></actuator>\n"), "3",
               "motor", "unsupported attribute 'tendon'");
}

TEST(MjcfError, BadValues) {
  expect_error(model_with("<geom type=\"sphere\" size=\"abc\"/>"), "4", "geom",
               "'size' expects 1 to 3 number(s), got 'abc'");
  expect_error(model_with("<site pos=\"1 2\"/>"), "4", "site", "'pos' expects 3 number(s)");
  expect_error(model_with("<geom type=\"sphere\" size=\"0.1\" mass=\"-1\"/>"), "4", "geom",
               "'mass' must be >= 0");
  expect_error(model_with("<geom type=\"sphere\" size=\"0.1\" density=\"-5\"/>"), "4", "geom",
               "'density' must be >= 0");
  expect_error(model_with("<geom type=\"sphere\" size=\"nan\"/>"), "4", "geom", "'size' expects");
  expect_error(model_with("<geom type=\"sphere\" size=\"1e999\"/>"), "4", "geom", "'size' expects");
  expect_error(model_with("<geom type=\"sphere\" size=\"0.1\" condim=\"2\"/>"), "4", "geom",
               "condim must be 1, 3, 4 or 6");
  expect_error(model_with("<geom type=\"sphere\" size=\"0.1\" contype=\"1.5\"/>"), "4", "geom",
               "must be an integer");
  expect_error(model_with("<geom type=\"sphere\"/>"), "4", "geom", "size[0] must be positive");
  expect_error(model_with("<geom type=\"sphere\" size=\"0.1\" fromto=\"0 0 0 1 0 0\"/>"), "4",
               "geom", "fromto requires");
  expect_error(model_with("<geom type=\"capsule\" size=\"0.1\" pos=\"1 0 0\" "
                          "fromto=\"0 0 0 1 0 0\"/>"),
               "4", "geom", "both pos and fromto");
  expect_error(model_with("<geom type=\"capsule\" size=\"0.1\" fromto=\"1 0 0 1 0 0\"/>"), "4",
               "geom", "coincide");
  expect_error(model_with("<geom type=\"box\" size=\"1 1 1\" quat=\"1 0 0 0\" euler=\"0 0 1\"/>"),
               "4", "geom", "more than one orientation");
  expect_error(model_with("<geom type=\"box\" size=\"1 1 1\" quat=\"0 0 0 0\"/>"), "4", "geom",
               "quat is zero");
  expect_error(model_with("<joint name=\"k\" type=\"hinge\" limited=\"true\" range=\"1 -1\"/>"),
               "4", "joint", "range[0] must be smaller");
  expect_error(model_with("<joint name=\"k\" type=\"twist\"/>"), "4", "joint", "must be one of");
  expect_error(model_with("<joint name=\"k\" axis=\"0 0 0\"/>"), "4", "joint", "axis is zero");
  expect_error(model_with("<joint name=\"j\"/>"), "5", "joint", "repeated name 'j'");
  expect_error(model_with("<geom class=\"nope\" size=\"1\"/>"), "4", "geom",
               "unknown default class 'nope'");
  expect_error(model_with("<freejoint/>"), "4", "freejoint", "only joint of its body");
  expect_error(model_with("<body pos=\"0 0 1\"><freejoint/><geom size=\"1\"/></body>"), "4",
               "freejoint", "child of the world");
  expect_error(model_with("<geom type=\"plane\" size=\"1 1 1\"/>"), "4", "geom",
               "only in a static body");
  expect_error(model_with("<geom type=\"plane\" size=\"1 1\"/>"), "4", "geom",
               "plane size[2] must be positive");
  expect_error(model_with("", "<compiler eulerseq=\"xyw\"/>\n"), "2", "compiler", "eulerseq");
  expect_error(model_with("", "<option timestep=\"0\"/>\n"), "2", "option", "timestep");
  expect_error(model_with("", "<actuator>\n<motor joint=\"nope\"/></actuator>\n"), "3", "motor",
               "unknown joint 'nope'");
  expect_error(model_with("", "<actuator>\n<motor joint=\"j\" ctrlrange=\"1 -1\"/></actuator>\n"),
               "3", "motor", "ctrlrange[0] must be smaller");
  expect_error(model_with("",
                          "<compiler autolimits=\"false\"/>\n"
                          "<default><joint range=\"-1 1\"/></default>\n"),
               "7", "joint", "autolimits is false");
  // a bad value in a default class is reported at the default's line
  expect_error(model_with("", "<default>\n<geom friction=\"x\"/>\n</default>\n"), "3", "geom",
               "'friction' expects");
  std::string massless =
      "<mujoco>\n<worldbody>\n<body>\n<joint/>\n</body>\n</worldbody>\n</mujoco>";
  expect_error(massless, "3", "body", "positive mass");
}

TEST(MjcfError, ValuesBeyondFloatRangeAreRejected) {
  EXPECT_NE(mjcf_load_error(model_with("<site pos=\"1e300 0 0\"/>")).find("site_pos"),
            std::string::npos);
  EXPECT_NE(mjcf_load_error(model_with("", "<compiler inertiagrouprange=\"1e30 2\"/>\n"))
                .find("inertiagrouprange must hold two integers"),
            std::string::npos);
}

TEST(MjcfError, VisualPartsAreAccepted) {
  std::string xml = model_with(
      "<camera name=\"c\" pos=\"0 0 1\"/><light pos=\"0 0 2\"/>"
      "<geom type=\"box\" size=\"1 1 1\" rgba=\"1 0 0 1\" material=\"m\" group=\"1\"/>"
      "<site name=\"s\" type=\"sphere\" size=\"0.1\" rgba=\"0 1 0 1\"/>",
      "<visual><global offwidth=\"800\"/></visual>\n<size nstack=\"3000\"/>\n"
      "<custom><numeric name=\"n\" data=\"1\"/></custom>\n"
      "<asset><texture name=\"t\" type=\"2d\" builtin=\"checker\" width=\"8\" height=\"8\"/>"
      "<material name=\"m\" texture=\"t\"/></asset>\n"
      "<default><camera fovy=\"45\"/><geom rgba=\"1 1 1 1\"/><tendon/></default>\n");
  EXPECT_EQ(mjcf_load_error(xml), "");
}

TEST(MjcfError, FileErrorsNameThePath) {
  try {
    load_mjcf_file("/nonexistent/model.xml");
    FAIL() << "no error";
  } catch (const MjcfError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.xml"), std::string::npos);
  }
}

TEST(MjcfError, CapacityIsChecked) {
  std::string bodies;
  for (int i = 0; i < 40; ++i)
    bodies += "<body><joint/><geom size=\"0.1\"/></body>";
  std::string msg = mjcf_load_error("<mujoco><worldbody>" + bodies + "</worldbody></mujoco>");
  EXPECT_NE(msg.find("capacity"), std::string::npos) << msg;
}

TEST(MjcfLoader, OptionsFlagsAndNames) {
  MjcfNames names;
  Model m = load_mjcf_string(
      model_with("<site name=\"tip\" pos=\"0 0 0.5\"/>",
                 "<option timestep=\"0.004\" integrator=\"RK4\" solver=\"PGS\" iterations=\"50\">"
                 "<flag gravity=\"disable\" contact=\"disable\" energy=\"enable\"/></option>\n"
                 "<actuator><motor name=\"m\" joint=\"j\" gear=\"7\"/></actuator>\n"),
      &names);
  EXPECT_FLOAT_EQ(m.opt.timestep, 0.004f);
  EXPECT_EQ(m.opt.integrator, kIntRK4);
  EXPECT_EQ(m.opt.solver, kSolPGS);
  EXPECT_EQ(m.opt.iterations, 50);
  EXPECT_EQ(m.opt.disableflags, kDsblGravity | kDsblContact);
  EXPECT_EQ(mjcf_find(names.site, "tip"), 0);
  EXPECT_EQ(mjcf_find(names.body, "b"), 1);
  EXPECT_EQ(mjcf_find(names.joint, "j"), 0);
  EXPECT_EQ(mjcf_find(names.actuator, "m"), 0);
  EXPECT_EQ(mjcf_find(names.body, "missing"), -1);
  EXPECT_FLOAT_EQ(m.actuator_gear[0], 7.0f);
  EXPECT_EQ(m.actuator_ctrllimited[0], 0);
}

}  // namespace
}  // namespace stampede
