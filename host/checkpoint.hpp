// Checkpoints: the full TrainState plus the TrainConfig, in a versioned binary file with a
// checksum, written atomically (host/durable_file.hpp), so a crash or a failed run never
// leaves a half-written or damaged checkpoint where the last good one was.
//
// Layout (little-endian):
//   "STMPDCKP"                       8-byte magic
//   u32 format version, u32 reserved
//   u64 header length, header        JSON: config, scalars, and the list of arrays (name, dtype,
//                                    count) in the order their bytes follow
//   array bytes
//   u64 FNV-1a 64 of everything above
#pragma once

#include <string>

#include "host/backend.hpp"
#include "host/config.hpp"
#include "ppo/running_stats.hpp"

namespace stampede {

constexpr uint32_t kCheckpointVersion = 1;

struct Checkpoint {
  TrainConfig config;
  TrainState state;
  int64_t log_rows = 0;  // rows of log.csv (after its header) that belong to this checkpoint
};

// writes atomically; throws IoError naming the file and the OS reason on I/O failure (the old
// file stays intact)
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// throws UsageError with a clear message on a missing, truncated, corrupt, forged or incompatible
// file, or one that is not a regular file (a FIFO, a device, a directory); every count is
// bounded by the file's size before anything is allocated, and parameters, optimizer and
// normalizer statistics must be finite and counters non-negative
Checkpoint load_checkpoint(const std::string& path);

// the observation normalisation a trained policy acts with: the run's settings and the statistics
// frozen in the checkpoint (which must outlive the result)
ObsNormalizer frozen_normalizer(const Checkpoint& checkpoint);

// checks that the arrays in `state` have the sizes `config` implies; throws UsageError otherwise
void check_state_shapes(const TrainConfig& config, const TrainState& state);

}  // namespace stampede
