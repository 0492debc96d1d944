#include "host/tensorboard.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/crc.hpp>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "core/errors.hpp"
#include "host/durable_file.hpp"

#ifdef STAMPEDE_HAVE_PROTOBUF
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>
#endif

namespace stampede {

namespace fs = std::filesystem;

namespace {

// Field numbers of the messages written, from TensorBoard's protos (tensorflow/core/framework/
// {event,summary,tensor}.proto, tensorboard/plugins/hparams/{plugin_data,api}.proto and
// google/protobuf/struct.proto). tests/export/test_tensorboard.py decodes the files with
// TensorBoard's own generated classes, so a wrong number fails there.
namespace event {
constexpr int kWallTime = 1, kStep = 2, kFileVersion = 3, kSummary = 5;
}
namespace summary {
constexpr int kValue = 1;                            // Summary.value
constexpr int kTag = 1, kTensor = 8, kMetadata = 9;  // Summary.Value
constexpr int kPluginData = 1, kDataClass = 4;       // SummaryMetadata
constexpr int kPluginName = 1, kContent = 2;         // SummaryMetadata.PluginData
constexpr int kDataClassScalar = 1, kDataClassTensor = 2;
}  // namespace summary
namespace tensor {
constexpr int kDtype = 1, kShape = 2, kDoubleVal = 6, kStringVal = 8;
constexpr int kDtDouble = 2, kDtFloat = 1, kDtString = 7;
constexpr int kShapeDim = 2, kDimSize = 1;  // TensorShapeProto.dim, Dim.size
}  // namespace tensor
namespace hparams {
constexpr int kVersion = 1, kExperiment = 2, kSessionStart = 3;  // HParamsPluginData
constexpr int kHparams = 1, kStartTime = 5;                      // SessionStartInfo
constexpr int kHparamInfos = 4, kMetricInfos = 5;                // Experiment
constexpr int kInfoName = 1, kInfoType = 4;                      // HParamInfo
constexpr int kMetricName = 1, kMetricTag = 2;                   // MetricInfo.name, MetricName.tag
constexpr int kTypeString = 1, kTypeBool = 2, kTypeFloat64 = 3;  // DataType
constexpr int kMapKey = 1, kMapValue = 2;
constexpr int kNumberValue = 2, kStringValue = 3, kBoolValue = 4;  // google.protobuf.Value
}  // namespace hparams

constexpr const char* kFilePrefix = "events.out.tfevents.";
constexpr const char* kFileSuffix = ".stampede";
// larger files (millions of rows) are rewritten without their old wall times
constexpr uint64_t kMaxEventFileBytes = uint64_t{1} << 30;

#ifdef STAMPEDE_HAVE_PROTOBUF
namespace wire = google::protobuf::internal;

// A protobuf message assembled field by field with the protobuf library's wire coder (the few
// TensorBoard messages written here need no generated classes)
class Message {
 public:
  Message& f64(int field, double value) {
    coded([&](auto& out) {
      out.WriteTag(wire::WireFormatLite::MakeTag(field, wire::WireFormatLite::WIRETYPE_FIXED64));
      uint64_t bits;
      std::memcpy(&bits, &value, sizeof bits);
      out.WriteLittleEndian64(bits);
    });
    return *this;
  }
  Message& varint(int field, int64_t value) {
    coded([&](auto& out) {
      out.WriteTag(wire::WireFormatLite::MakeTag(field, wire::WireFormatLite::WIRETYPE_VARINT));
      out.WriteVarint64(static_cast<uint64_t>(value));
    });
    return *this;
  }
  // a string, bytes, a packed repeated field or a nested message
  Message& bytes(int field, std::string_view value) {
    coded([&](auto& out) {
      out.WriteTag(
          wire::WireFormatLite::MakeTag(field, wire::WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
      out.WriteVarint32(static_cast<uint32_t>(value.size()));
      out.WriteRaw(value.data(), static_cast<int>(value.size()));
    });
    return *this;
  }
  Message& message(int field, const Message& m) { return bytes(field, m.data_); }
  const std::string& data() const { return data_; }

 private:
  template <class F>
  void coded(F&& write) {
    google::protobuf::io::StringOutputStream stream(&data_);  // appends to data_
    google::protobuf::io::CodedOutputStream out(&stream);
    write(out);
  }
  std::string data_;
};

std::string packed_double(double value) {
  std::string bytes(sizeof value, '\0');
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  for (size_t k = 0; k < sizeof bits; ++k)
    bytes[k] = static_cast<char>((bits >> (8 * k)) & 0xff);
  return bytes;
}

Message plugin_metadata(std::string_view plugin, std::string_view content, int data_class) {
  Message data;
  data.bytes(summary::kPluginName, plugin);
  if (!content.empty()) data.bytes(summary::kContent, content);
  Message meta;
  meta.message(summary::kPluginData, data);
  if (data_class != 0) meta.varint(summary::kDataClass, data_class);
  return meta;
}

// an Event with one Summary of the given values
std::string summary_event(double wall_time, int64_t step, const std::vector<Message>& values) {
  Message summary;
  for (const Message& v : values)
    summary.message(summary::kValue, v);
  Message e;
  e.f64(event::kWallTime, wall_time).varint(event::kStep, step).message(event::kSummary, summary);
  return e.data();
}

Message hparams_value(std::string_view tag, const Message& plugin_data) {
  Message value;
  // TensorBoard's own hparams summaries carry an empty float tensor beside the metadata
  Message shape, dim;
  dim.varint(tensor::kDimSize, 0);
  shape.message(tensor::kShapeDim, dim);
  Message empty;
  empty.varint(tensor::kDtype, tensor::kDtFloat).message(tensor::kShape, shape);
  value.bytes(summary::kTag, tag)
      .message(summary::kMetadata, plugin_metadata("hparams", plugin_data.data(), 0))
      .message(summary::kTensor, empty);
  return value;
}
#endif

std::vector<std::string_view> split_csv(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t at = 0;
  while (true) {
    const size_t comma = line.find(',', at);
    fields.push_back(line.substr(at, comma == std::string_view::npos ? comma : comma - at));
    if (comma == std::string_view::npos) return fields;
    at = comma + 1;
  }
}

double parse_field(std::string_view field) {
  double value = 0;
  const auto [end, err] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (err != std::errc() || end != field.data() + field.size()) {
    throw std::invalid_argument("log.csv field '" + std::string(field) + "' is not a number");
  }
  return value;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

bool tensorboard_available() {
#ifdef STAMPEDE_HAVE_PROTOBUF
  return true;
#else
  return false;
#endif
}

uint32_t crc32c(std::string_view bytes) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

uint32_t masked_crc32c(std::string_view bytes) {
  const uint32_t crc = crc32c(bytes);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string tfrecord(std::string_view event) {
  const auto little_endian = [](uint64_t v, int n) {
    std::string b(static_cast<size_t>(n), '\0');
    for (int k = 0; k < n; ++k)
      b[static_cast<size_t>(k)] = static_cast<char>((v >> (8 * k)) & 0xff);
    return b;
  };
  const std::string length = little_endian(event.size(), 8);
  return length + little_endian(masked_crc32c(length), 4) + std::string(event) +
         little_endian(masked_crc32c(event), 4);
}

std::map<int64_t, double> row_wall_times(std::string_view file) {
  std::map<int64_t, double> times;
#ifdef STAMPEDE_HAVE_PROTOBUF
  const auto read_le = [](const char* p, int n) {
    uint64_t v = 0;
    for (int k = 0; k < n; ++k)
      v |= uint64_t{static_cast<unsigned char>(p[k])} << (8 * k);
    return v;
  };
  size_t at = 0;
  while (file.size() - at >= 16) {  // the smallest record: an empty event
    const std::string_view length_bytes = file.substr(at, 8);
    if (read_le(file.data() + at + 8, 4) != masked_crc32c(length_bytes)) break;
    const uint64_t length = read_le(length_bytes.data(), 8);
    if (length > file.size() - at - 16) break;  // a record cut short
    const std::string_view data = file.substr(at + 12, length);
    if (read_le(file.data() + at + 12 + length, 4) != masked_crc32c(data)) break;
    at += 16 + length;

    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(data.data()),
                                              static_cast<int>(data.size()));
    double wall = 0;
    int64_t step = 0;
    bool has_summary = false, ok = true;
    while (const uint32_t tag = in.ReadTag()) {
      const int field = wire::WireFormatLite::GetTagFieldNumber(tag);
      const auto type = wire::WireFormatLite::GetTagWireType(tag);
      if (field == event::kWallTime && type == wire::WireFormatLite::WIRETYPE_FIXED64) {
        uint64_t bits = 0;
        ok = in.ReadLittleEndian64(&bits);
        std::memcpy(&wall, &bits, sizeof wall);
      } else if (field == event::kStep && type == wire::WireFormatLite::WIRETYPE_VARINT) {
        uint64_t v = 0;
        ok = in.ReadVarint64(&v);
        step = static_cast<int64_t>(v);
      } else {
        has_summary |= field == event::kSummary;
        ok = wire::WireFormatLite::SkipField(&in, tag);
      }
      if (!ok) break;
    }
    if (!ok) break;
    if (has_summary && step >= 1) times[step] = wall;  // the header's events have step 0
  }
#else
  (void)file;
#endif
  return times;
}

std::string csv_row_event(double wall_time, std::string_view csv_header, std::string_view csv_row) {
#ifdef STAMPEDE_HAVE_PROTOBUF
  const std::vector<std::string_view> names = split_csv(csv_header), fields = split_csv(csv_row);
  if (names.size() != fields.size()) {
    throw std::invalid_argument("log.csv row has " + std::to_string(fields.size()) +
                                " fields, its header " + std::to_string(names.size()));
  }
  std::vector<Message> values;
  for (size_t k = 0; k < names.size(); ++k) {
    Message t;
    t.varint(tensor::kDtype, tensor::kDtDouble)
        .bytes(tensor::kDoubleVal, packed_double(parse_field(fields[k])));
    Message v;
    v.bytes(summary::kTag, names[k])
        .message(summary::kTensor, t)
        .message(summary::kMetadata, plugin_metadata("scalars", "", summary::kDataClassScalar));
    values.push_back(std::move(v));
  }
  const int64_t step = static_cast<int64_t>(parse_field(fields[0]));
  return summary_event(wall_time, step, values);
#else
  (void)wall_time, (void)csv_header, (void)csv_row;
  return {};
#endif
}

std::vector<std::string> run_header_events(double wall_time, const nlohmann::json& config,
                                           std::string_view csv_header) {
#ifdef STAMPEDE_HAVE_PROTOBUF
  std::vector<std::string> events;
  Message version;
  version.f64(event::kWallTime, wall_time).bytes(event::kFileVersion, "brain.Event:2");
  events.push_back(version.data());

  // the config as text (Markdown: an indented block keeps the JSON as it is)
  std::string text;
  const std::string json = config.dump(2);
  size_t at = 0;
  while (at <= json.size()) {
    const size_t end = std::min(json.find('\n', at), json.size());
    text += "    " + json.substr(at, end - at) + "\n";
    at = end + 1;
  }
  Message text_tensor;
  text_tensor.varint(tensor::kDtype, tensor::kDtString).bytes(tensor::kStringVal, text);
  Message text_value;
  text_value.bytes(summary::kTag, "config")
      .message(summary::kTensor, text_tensor)
      .message(summary::kMetadata, plugin_metadata("text", "", summary::kDataClassTensor));
  events.push_back(summary_event(wall_time, 0, {text_value}));

  // hyperparameters: every scalar of the config (lists as text; the model's XML left out)
  Message experiment, session;
  for (const auto& [key, value] : config.items()) {
    if (key == "model_xml") continue;
    Message v;
    int type = hparams::kTypeString;
    if (value.is_boolean()) {
      v.varint(hparams::kBoolValue, value.get<bool>() ? 1 : 0);
      type = hparams::kTypeBool;
    } else if (value.is_number()) {
      v.f64(hparams::kNumberValue, value.get<double>());
      type = hparams::kTypeFloat64;
    } else if (value.is_string()) {
      v.bytes(hparams::kStringValue, value.get<std::string>());
    } else {
      v.bytes(hparams::kStringValue, value.dump());
    }
    Message entry;
    entry.bytes(hparams::kMapKey, key).message(hparams::kMapValue, v);
    session.message(hparams::kHparams, entry);
    Message info;
    info.bytes(hparams::kInfoName, key).varint(hparams::kInfoType, type);
    experiment.message(hparams::kHparamInfos, info);
  }
  session.f64(hparams::kStartTime, wall_time);
  for (const std::string_view metric : split_csv(csv_header)) {
    if (metric == "iteration") continue;
    Message name;
    name.bytes(hparams::kMetricTag, metric);
    Message info;
    info.message(hparams::kMetricName, name);
    experiment.message(hparams::kMetricInfos, info);
  }
  Message experiment_data, session_data;
  experiment_data.varint(hparams::kVersion, 0).message(hparams::kExperiment, experiment);
  session_data.varint(hparams::kVersion, 0).message(hparams::kSessionStart, session);
  events.push_back(
      summary_event(wall_time, 0, {hparams_value("_hparams_/experiment", experiment_data)}));
  events.push_back(
      summary_event(wall_time, 0, {hparams_value("_hparams_/session_start_info", session_data)}));
  return events;
#else
  (void)wall_time, (void)config, (void)csv_header;
  return {};
#endif
}

TensorBoardLog::TensorBoardLog(const std::string& run_dir, const nlohmann::json& config,
                               std::string_view csv_header,
                               const std::vector<std::string>& csv_rows)
    : header_(csv_header) {
  const fs::path dir = fs::path(run_dir) / "tb";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError("cannot create '" + dir.string() + "': " + ec.message());
  remove_stale_temporaries(dir.string());

  // a resumed run keeps its file's name and the wall times of the rows it keeps
  std::vector<fs::path> ours;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kFilePrefix, 0) == 0 && name.size() > std::strlen(kFileSuffix) &&
        name.compare(name.size() - std::strlen(kFileSuffix), std::string::npos, kFileSuffix) == 0 &&
        name.find(".tmp.") == std::string::npos) {
      ours.push_back(entry.path());
    }
  }
  std::sort(ours.begin(), ours.end());
  const double now = now_seconds();
  std::map<int64_t, double> wall_times;
  double started = now;
  if (!ours.empty() && !csv_rows.empty()) {
    try {
      const std::string old =
          read_regular_file(ours.back().string(), "TensorBoard event file", kMaxEventFileBytes);
      wall_times = row_wall_times(old);
    } catch (const UsageError&) {
      // a file that cannot be read back only loses its wall times; the rows come from log.csv
    }
  }
  if (!wall_times.empty()) started = std::min(started, wall_times.begin()->second);
  path_ = !ours.empty()
              ? ours.back().string()
              : (dir / (kFilePrefix + std::to_string(static_cast<int64_t>(now)) + kFileSuffix))
                    .string();

  std::string bytes;
  for (const std::string& e : run_header_events(started, config, header_))
    bytes += tfrecord(e);
  for (const std::string& row : csv_rows) {
    const int64_t step = static_cast<int64_t>(parse_field(split_csv(row)[0]));
    const auto it = wall_times.find(step);
    bytes += tfrecord(csv_row_event(it != wall_times.end() ? it->second : now, header_, row));
  }
  write_file_atomically(path_, bytes);
  for (size_t k = 0; k + 1 < ours.size(); ++k)
    fs::remove(ours[k], ec);  // an older file of this run would repeat its steps
  file_ = std::make_unique<AppendOnlyFile>(path_);
}

TensorBoardLog::~TensorBoardLog() = default;

void TensorBoardLog::append_row(std::string_view csv_row) {
  file_->append(tfrecord(csv_row_event(now_seconds(), header_, csv_row)));
}

void TensorBoardLog::sync() {
  file_->sync();
}

}  // namespace stampede
