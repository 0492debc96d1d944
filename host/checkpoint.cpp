#include "host/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <span>

#include <nlohmann/json.hpp>

#include "envs/task.hpp"
#include "host/durable_file.hpp"
#include "host/run_memory.hpp"

namespace stampede {

namespace {

constexpr char kMagic[8] = {'S', 'T', 'M', 'P', 'D', 'C', 'K', 'P'};
// far above any real run's (a 16M-env run's environment state is a few GiB)
constexpr uint64_t kMaxCheckpointBytes = uint64_t{64} << 30;

uint64_t fnv1a64(const uint8_t* data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

template <class T>
void append_pod(std::vector<uint8_t>* out, const T& value) {
  const auto* p = reinterpret_cast<const uint8_t*>(&value);
  out->insert(out->end(), p, p + sizeof(T));
}

// the arrays of a TrainState, by name, with their element type
struct ArrayRef {
  const char* name;
  const char* dtype;
  void* data;
  size_t count;
  size_t elem_size;
  std::function<void(size_t)> resize;
};

template <class T>
ArrayRef array_ref(const char* name, const char* dtype, std::vector<T>* v) {
  return {name, dtype, v->data(), v->size(), sizeof(T), [v](size_t n) { v->resize(n); }};
}

std::vector<ArrayRef> arrays_of(TrainState* s) {
  return {
      array_ref("params", "f32", &s->params),
      array_ref("adam_m", "f32", &s->adam_m),
      array_ref("adam_v", "f32", &s->adam_v),
      array_ref("obs_mean", "f64", &s->obs_mean),
      array_ref("obs_var", "f64", &s->obs_var),
      array_ref("ret_acc", "f32", &s->ret_acc),
      array_ref("env_state", "f32", &s->env_state),
      array_ref("env_obs", "f32", &s->env_obs),
      array_ref("episode_length", "i32", &s->episode_length),
      array_ref("episode_return", "f32", &s->episode_return),
  };
}

[[noreturn]] void bad(const std::string& path, const std::string& why) {
  throw UsageError("checkpoint '" + path + "' " + why);
}

// what a forged or damaged checkpoint could carry that training would silently misuse
void check_state_values(const std::string& path, const Checkpoint& ck) {
  const TrainState& s = ck.state;
  if (s.iteration < 0 || s.global_step < 0 || s.adam_step < 0 || !(s.obs_count >= 0) ||
      !(s.ret_count >= 0) || !std::isfinite(s.obs_count) || !std::isfinite(s.ret_count) ||
      ck.log_rows < 0) {
    bad(path, "has a negative counter (iteration, steps, optimizer or normalizer count)");
  }
  if (ck.log_rows > s.iteration) bad(path, "claims more log rows than iterations");
  const auto finite = [](const auto& v) {
    return std::all_of(v.begin(), v.end(), [](auto x) { return std::isfinite(x); });
  };
  if (!finite(s.params) || !finite(s.adam_m) || !finite(s.adam_v)) {
    bad(path, "holds non-finite parameters or optimizer moments");
  }
  const auto non_negative = [](const auto& v) {
    return std::all_of(v.begin(), v.end(), [](auto x) { return x >= 0; });
  };
  if (!finite(s.obs_mean) || !finite(s.obs_var) || !non_negative(s.obs_var) ||
      !non_negative(s.adam_v) || !std::isfinite(s.ret_mean) || !std::isfinite(s.ret_var) ||
      s.ret_var < 0 || !std::isfinite(s.beta) || s.beta < 0) {
    bad(path, "holds non-finite or negative normalizer statistics or KL coefficient");
  }
}

}  // namespace

void check_state_shapes(const TrainConfig& config, const TrainState& s) {
  const PolicyLayout layout = make_policy_layout(config);
  const size_t n = config.num_envs;
  const size_t p = layout.num_params();
  const size_t state_dim = task_spec(config.env).state_dim;
  const bool ok = s.params.size() == p && s.adam_m.size() == p && s.adam_v.size() == p &&
                  s.obs_mean.size() == static_cast<size_t>(layout.obs_dim) &&
                  s.obs_var.size() == static_cast<size_t>(layout.obs_dim) &&
                  s.ret_acc.size() == n && s.env_state.size() == state_dim * n &&
                  s.env_obs.size() == static_cast<size_t>(layout.obs_dim) * n &&
                  s.episode_length.size() == n && s.episode_return.size() == n;
  if (!ok) {
    throw UsageError("checkpoint arrays do not match its config (env " +
                     std::string(config.env.name()) + ", " + std::to_string(n) + " envs, " +
                     std::to_string(p) + " parameters)");
  }
}

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  TrainState state = checkpoint.state;
  nlohmann::json header;
  header["config"] = to_json(checkpoint.config);
  header["iteration"] = state.iteration;
  header["global_step"] = state.global_step;
  header["adam_step"] = state.adam_step;
  header["beta"] = state.beta;
  header["obs_count"] = state.obs_count;
  header["ret_mean"] = state.ret_mean;
  header["ret_var"] = state.ret_var;
  header["ret_count"] = state.ret_count;
  header["log_rows"] = checkpoint.log_rows;
  header["stampede_version"] = STAMPEDE_VERSION;
  const std::vector<ArrayRef> arrays = arrays_of(&state);
  for (const ArrayRef& a : arrays) {
    header["arrays"].push_back({{"name", a.name}, {"dtype", a.dtype}, {"count", a.count}});
  }
  const std::string header_text = header.dump();

  std::vector<uint8_t> bytes(kMagic, kMagic + sizeof(kMagic));
  append_pod(&bytes, kCheckpointVersion);
  append_pod(&bytes, uint32_t{0});
  append_pod(&bytes, static_cast<uint64_t>(header_text.size()));
  bytes.insert(bytes.end(), header_text.begin(), header_text.end());
  for (const ArrayRef& a : arrays) {
    const auto* p = static_cast<const uint8_t*>(a.data);
    bytes.insert(bytes.end(), p, p + a.count * a.elem_size);
  }
  append_pod(&bytes, fnv1a64(bytes.data(), bytes.size()));

  write_file_atomically(
      path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Checkpoint load_checkpoint(const std::string& path) {
  constexpr size_t kFixed = sizeof(kMagic) + 4 + 4 + 8;
  // the fixed part first: a file that is no checkpoint is refused before it is read whole, and
  // one larger than the memory left is refused rather than read
  const std::string head = read_regular_file(path, "checkpoint", kMaxCheckpointBytes, kFixed);
  if (head.size() < kFixed || std::memcmp(head.data(), kMagic, sizeof(kMagic)) != 0) {
    bad(path, "is not a stampede checkpoint");
  }
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  const int64_t available = available_memory();
  if (!ec && available >= 0 && size > static_cast<uint64_t>(available) / 2) {
    bad(path, "is " + std::to_string(size >> 20) + " MiB, more than this machine can load (" +
                  std::to_string(available >> 20) + " MiB available)");
  }
  const std::string text = read_regular_file(path, "checkpoint", kMaxCheckpointBytes);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  if (bytes.size() < kFixed + 8 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    bad(path, "is not a stampede checkpoint");
  }
  uint32_t version;
  std::memcpy(&version, bytes.data() + sizeof(kMagic), 4);
  if (version != kCheckpointVersion) {
    bad(path, "has format version " + std::to_string(version) + "; this build reads version " +
                  std::to_string(kCheckpointVersion));
  }
  uint64_t stored_sum;
  std::memcpy(&stored_sum, bytes.data() + bytes.size() - 8, 8);
  if (fnv1a64(bytes.data(), bytes.size() - 8) != stored_sum) {
    bad(path, "is corrupt (checksum mismatch)");
  }
  uint64_t header_len;
  std::memcpy(&header_len, bytes.data() + sizeof(kMagic) + 8, 8);
  if (header_len > bytes.size() - kFixed - 8) bad(path, "is truncated");

  Checkpoint ck;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + kFixed, bytes.begin() + kFixed + header_len);
    ck.config = config_from_json(header.at("config"));
    ck.state.iteration = header.at("iteration");
    ck.state.global_step = header.at("global_step");
    ck.state.adam_step = header.at("adam_step");
    ck.state.beta = header.at("beta");
    ck.state.obs_count = header.at("obs_count");
    ck.state.ret_mean = header.at("ret_mean");
    ck.state.ret_var = header.at("ret_var");
    ck.state.ret_count = header.at("ret_count");
    // absent in checkpoints written before log_rows existed: one row per iteration
    ck.log_rows = header.value("log_rows", ck.state.iteration);
  } catch (const nlohmann::json::exception& e) {
    bad(path, std::string("has a malformed header: ") + e.what());
  } catch (const UsageError& e) {
    bad(path, std::string("is incompatible with this build: ") + e.what());
  }

  size_t offset = kFixed + header_len;
  std::vector<ArrayRef> arrays = arrays_of(&ck.state);
  const nlohmann::json& listed = header["arrays"];
  if (!listed.is_array() || listed.size() != arrays.size()) bad(path, "lists unexpected arrays");
  for (size_t a = 0; a < arrays.size(); ++a) {
    if (listed[a].value("name", "") != arrays[a].name ||
        listed[a].value("dtype", "") != arrays[a].dtype) {
      bad(path, std::string("lists unexpected arrays (expected ") + arrays[a].name + ")");
    }
    const uint64_t count = listed[a].value("count", uint64_t{0});
    // bounded by the bytes present before anything is allocated (a forged count cannot)
    if (count > (bytes.size() - 8 - offset) / arrays[a].elem_size) bad(path, "is truncated");
    const size_t size = count * arrays[a].elem_size;
    arrays[a].resize(count);
    arrays = arrays_of(&ck.state);  // resize moved the storage
    std::memcpy(arrays[a].data, bytes.data() + offset, size);
    offset += size;
  }
  if (offset != bytes.size() - 8) bad(path, "has trailing bytes");
  check_state_shapes(ck.config, ck.state);
  check_state_values(path, ck);
  return ck;
}

ObsNormalizer frozen_normalizer(const Checkpoint& checkpoint) {
  return ObsNormalizer{checkpoint.config.norm_obs, checkpoint.config.obs_clip,
                       checkpoint.state.obs_mean.data(), checkpoint.state.obs_var.data()};
}

}  // namespace stampede
