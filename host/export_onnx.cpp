#include "host/export_onnx.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "host/durable_file.hpp"
#include "host/export_safetensors.hpp"

#ifdef STAMPEDE_HAVE_ONNX
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include "envs/task.hpp"
#include "host/backend.hpp"
#include "host/task_model.hpp"
#include "ppo/running_stats.hpp"
#endif

namespace stampede {

#ifdef STAMPEDE_HAVE_ONNX

namespace {

constexpr int kOpset = 17;

class GraphBuilder {
 public:
  explicit GraphBuilder(onnx::GraphProto* graph) : graph_(graph) {}

  std::string constant(const std::string& name, const std::vector<int64_t>& dims,
                       const std::vector<float>& values) {
    onnx::TensorProto* t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims)
      t->add_dims(d);
    t->set_raw_data(values.data(), values.size() * sizeof(float));
    return name;
  }

  std::string node(const std::string& op, const std::vector<std::string>& inputs,
                   const std::string& output) {
    onnx::NodeProto* n = graph_->add_node();
    n->set_op_type(op);
    n->set_name(output + "_" + op);
    for (const std::string& in : inputs)
      n->add_input(in);
    n->add_output(output);
    last_ = n;
    return output;
  }

  void int_attribute(const std::string& name, int64_t value) {
    onnx::AttributeProto* a = last_->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }

  // a tanh MLP: Gemm(x, W, b, transB) per layer, tanh between layers
  std::string mlp(const std::string& prefix, const MlpShape& shape, const float* params,
                  std::string x) {
    for (int l = 0; l < shape.num_layers(); ++l) {
      const int64_t in = shape.layer_in(l), out = shape.layer_out(l);
      const std::string layer = prefix + "." + std::to_string(l);
      const float* w = params + shape.weight_offset(l);
      const float* b = params + shape.bias_offset(l);
      constant(layer + ".weight", {out, in}, std::vector<float>(w, w + out * in));
      constant(layer + ".bias", {out}, std::vector<float>(b, b + out));
      x = node("Gemm", {x, layer + ".weight", layer + ".bias"}, layer + ".linear");
      int_attribute("transB", 1);
      if (l + 1 < shape.num_layers()) x = node("Tanh", {x}, layer + ".tanh");
    }
    return x;
  }

 private:
  onnx::GraphProto* graph_;
  onnx::NodeProto* last_ = nullptr;
};

void add_value_info(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list,
                    const std::string& name, int elem_type, const std::vector<int64_t>& dims) {
  onnx::ValueInfoProto* v = list->Add();
  v->set_name(name);
  onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  for (int64_t d : dims) {
    onnx::TensorShapeProto_Dimension* dim = t->mutable_shape()->add_dim();
    if (d < 0) {
      dim->set_dim_param("batch");
    } else {
      dim->set_dim_value(d);
    }
  }
}

}  // namespace

bool onnx_export_available() {
  return true;
}

std::string onnx_bytes(const Checkpoint& ck) {
  const TrainConfig& config = ck.config;
  const PolicyLayout L = make_policy_layout(config);
  const EnvSpec spec = task_spec(config.env, task_model(config));
  const float* params = ck.state.params.data();

  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION);
  model.set_producer_name("stampede");
  model.set_producer_version(STAMPEDE_VERSION);
  model.add_opset_import()->set_version(kOpset);
  for (const auto& [key, value] : policy_metadata(ck)) {
    onnx::StringStringEntryProto* p = model.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  }
  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name(std::string(config.env.name()) + "_policy");
  GraphBuilder g(graph);

  // the engine's normalisation (normalize_obs) in its float arithmetic, with the divisor
  // precomputed: (x - mean) / sqrtf(var + kObsNormEpsilon), clipped
  std::string x = "obs";
  if (config.norm_obs) {
    std::vector<float> mean(L.obs_dim), scale(L.obs_dim);
    for (int d = 0; d < L.obs_dim; ++d) {
      mean[d] = static_cast<float>(ck.state.obs_mean[d]);
      scale[d] = std::sqrt(static_cast<float>(ck.state.obs_var[d]) + kObsNormEpsilon);
    }
    g.constant("obs_norm.mean", {L.obs_dim}, mean);
    g.constant("obs_norm.std", {L.obs_dim}, scale);
    g.constant("obs_norm.low", {}, {-config.obs_clip});
    g.constant("obs_norm.high", {}, {config.obs_clip});
    x = g.node("Sub", {x, "obs_norm.mean"}, "obs_centered");
    x = g.node("Div", {x, "obs_norm.std"}, "obs_scaled");
    x = g.node("Clip", {x, "obs_norm.low", "obs_norm.high"}, "obs_normalized");
  }
  const std::string head = g.mlp("actor", L.actor, params + L.actor_offset(), x);
  const std::string values = g.mlp("critic", L.critic, params + L.critic_offset(), x);
  onnx::TensorProto* flat = graph->add_initializer();  // [batch, 1] -> [batch]
  flat->set_name("value_shape");
  flat->set_data_type(onnx::TensorProto::INT64);
  flat->add_dims(1);
  flat->add_int64_data(-1);
  g.node("Reshape", {values, "value_shape"}, "value");

  add_value_info(graph->mutable_input(), "obs", onnx::TensorProto::FLOAT, {-1, L.obs_dim});
  if (L.discrete()) {
    g.node("Identity", {head}, "logits");
    g.node("ArgMax", {head}, "action");
    g.int_attribute("axis", 1);
    g.int_attribute("keepdims", 0);
    add_value_info(graph->mutable_output(), "action", onnx::TensorProto::INT64, {-1});
    add_value_info(graph->mutable_output(), "logits", onnx::TensorProto::FLOAT,
                   {-1, L.num_actions});
  } else {
    g.node("Identity", {head}, "mean");
    g.constant("action.low", {L.act_dim}, spec.action_low);
    g.constant("action.high", {L.act_dim}, spec.action_high);
    const std::string lowered = g.node("Min", {head, "action.high"}, "action_below_high");
    g.node("Max", {lowered, "action.low"}, "action");
    const float* log_std = params + L.log_std_offset();
    g.constant("log_std.value", {L.act_dim}, std::vector<float>(log_std, log_std + L.act_dim));
    g.node("Identity", {"log_std.value"}, "log_std");
    add_value_info(graph->mutable_output(), "action", onnx::TensorProto::FLOAT, {-1, L.act_dim});
    add_value_info(graph->mutable_output(), "mean", onnx::TensorProto::FLOAT, {-1, L.act_dim});
    add_value_info(graph->mutable_output(), "log_std", onnx::TensorProto::FLOAT, {L.act_dim});
  }
  add_value_info(graph->mutable_output(), "value", onnx::TensorProto::FLOAT, {-1});

  onnx::checker::check_model(model);  // the library's own validation, before anything is written
  std::string bytes;
  model.SerializeToString(&bytes);
  return bytes;
}

#else

bool onnx_export_available() {
  return false;
}

std::string onnx_bytes(const Checkpoint&) {
  throw UsageError("this build has no ONNX support (install libonnx-dev and rebuild)");
}

#endif

void export_onnx(const Checkpoint& checkpoint, const std::string& path) {
  write_file_atomically(path, onnx_bytes(checkpoint));
}

}  // namespace stampede
