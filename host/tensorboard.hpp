// TensorBoard event files for a run (RUN_DIR/tb/events.out.tfevents.<seconds>.stampede): every
// log.csv column as a scalar per iteration (the tag is the column's name, the step the
// iteration), the run's config as text ("config") and as hyperparameters (the HParams
// dashboard). The records are TFRecord frames of tensorflow.Event messages, encoded with the
// protobuf library's wire coder; TensorBoard, tbparse and torch's readers read them.
//
// The file follows log.csv's durability rules: each event is appended whole, synced with the
// log before every checkpoint, and a resumed run rewrites the file atomically to hold exactly the
// rows log.csv kept (each with the wall time it had, where the old file still holds it).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace stampede {

class AppendOnlyFile;

// false where the build has no protobuf library (libprotobuf-dev); runs then write no tb/
bool tensorboard_available();

// --- the encoding, exposed for tests ---

// CRC-32C (Castagnoli) of `bytes`, and TFRecord's masked form of it
uint32_t crc32c(std::string_view bytes);
uint32_t masked_crc32c(std::string_view bytes);

// one TFRecord frame: length (u64 LE), masked CRC of the length, the bytes, masked CRC of them
std::string tfrecord(std::string_view event);

// An Event holding one scalar per column of a log.csv row (float64 tensors with the scalars
// plugin's metadata, so no value is rounded to float32); the step is the row's first column.
// Throws std::invalid_argument if a field is not a number or the counts differ.
std::string csv_row_event(double wall_time, std::string_view csv_header, std::string_view csv_row);

// The events a file starts with: the file version, the config as text, the hyperparameters
std::vector<std::string> run_header_events(double wall_time, const nlohmann::json& config,
                                           std::string_view csv_header);

// step -> wall time of the row events in a file's bytes, read up to the first damaged record
std::map<int64_t, double> row_wall_times(std::string_view file);

// --- a run's event file ---

class TensorBoardLog {
 public:
  // Creates RUN_DIR/tb/ and its event file. `csv_rows` are the rows a resumed run kept (none for
  // a new run): the file is then rewritten, atomically, to hold the header events and exactly
  // these rows. Throws IoError where the file cannot be written.
  TensorBoardLog(const std::string& run_dir, const nlohmann::json& config,
                 std::string_view csv_header, const std::vector<std::string>& csv_rows);
  ~TensorBoardLog();
  TensorBoardLog(const TensorBoardLog&) = delete;
  TensorBoardLog& operator=(const TensorBoardLog&) = delete;

  void append_row(std::string_view csv_row);  // one event, the row's values; throws IoError
  void sync();                                // fsync; throws IoError
  const std::string& path() const { return path_; }

 private:
  std::string header_, path_;
  std::unique_ptr<AppendOnlyFile> file_;
};

}  // namespace stampede
