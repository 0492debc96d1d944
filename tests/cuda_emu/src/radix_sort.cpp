// cub::DeviceRadixSort::SortPairs: a stable sort of (key, value) pairs by the key bits
// [begin_bit, end_bit), ascending, as CUB's LSD radix sort orders them. The temporary storage
// CUB would use is scribbled over, so a caller that keeps data there sees it destroyed.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "cub/device/device_radix_sort.cuh"
#include "emu_internal.hpp"

namespace cuda_emu {

namespace {

// what CUB's onesweep sort asks for, roughly: a second buffer of keys and values plus counters
size_t temp_storage_bytes(long long count, int key_bytes, int value_bytes) {
  return static_cast<size_t>(count) * (key_bytes + value_bytes) + 4096;
}

uint64_t load_key(const unsigned char* p, int bytes) {
  uint64_t k = 0;
  std::memcpy(&k, p, static_cast<size_t>(bytes));  // little endian: the low bytes
  return k;
}

}  // namespace

cudaError_t sort_pairs(void* temp, size_t* temp_bytes, const void* keys_in, void* keys_out,
                       const void* values_in, void* values_out, long long count, int key_bytes,
                       int value_bytes, int begin_bit, int end_bit, cudaStream_t stream) {
  if (count < 0 || begin_bit < 0 || end_bit > key_bytes * 8 || begin_bit > end_bit) {
    return record_error(cudaErrorInvalidValue);
  }
  const size_t need = temp_storage_bytes(count, key_bytes, value_bytes);
  if (temp == nullptr) {
    *temp_bytes = need;
    return cudaSuccess;
  }
  if (*temp_bytes < need || !is_device_range(temp, *temp_bytes)) {
    warn("cub::DeviceRadixSort::SortPairs: temporary storage of " + std::to_string(*temp_bytes) +
         " bytes, " + std::to_string(need) + " needed (or not device memory)");
    return record_error(cudaErrorInvalidValue);
  }
  const size_t n = static_cast<size_t>(count);
  const size_t bytes = *temp_bytes;
  // the emulation sorts through temporaries, so outputs aliasing inputs (or each other, or the
  // temporary storage) would go unnoticed: CUB's passes read and write them in any order
  struct Range {
    const char* name;
    const void* ptr;
    size_t bytes;
  };
  const size_t kb = static_cast<size_t>(key_bytes), vb = static_cast<size_t>(value_bytes);
  const Range keys_in_r{"keys_in", keys_in, n * kb}, values_in_r{"values_in", values_in, n * vb};
  const Range keys_out_r{"keys_out", keys_out, n * kb};
  const Range values_out_r{"values_out", values_out, n * vb}, temp_r{"d_temp_storage", temp, bytes};
  const std::pair<Range, Range> must_not_overlap[] = {
      {keys_out_r, keys_in_r},     {keys_out_r, values_in_r},  {values_out_r, keys_in_r},
      {values_out_r, values_in_r}, {keys_out_r, values_out_r}, {temp_r, keys_in_r},
      {temp_r, values_in_r},       {temp_r, keys_out_r},       {temp_r, values_out_r}};
  for (const auto& [x, y] : must_not_overlap) {
    if (overlaps(x.ptr, x.bytes, y.ptr, y.bytes)) {
      fatal(std::string("cub::DeviceRadixSort::SortPairs: ") + x.name + " overlaps " + y.name +
            " (CUB defines no result for aliased buffers)");
    }
  }
  return submit(stream, [=] {
    require_device_range(keys_in, n * kb, "SortPairs keys_in");
    require_device_range(keys_out, n * kb, "SortPairs keys_out");
    require_device_range(values_in, n * vb, "SortPairs values_in");
    require_device_range(values_out, n * vb, "SortPairs values_out");
    const auto* kin = static_cast<const unsigned char*>(keys_in);
    const auto* vin = static_cast<const unsigned char*>(values_in);
    const int width = end_bit - begin_bit;
    const uint64_t mask = width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    std::vector<uint64_t> digit(n);
    if (width > 0) {  // else every digit is 0 (and begin_bit may be 64: no shift by it)
      for (size_t i = 0; i < n; ++i)
        digit[i] = (load_key(kin + i * kb, key_bytes) >> begin_bit) & mask;
    }
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return digit[a] < digit[b]; });
    std::vector<unsigned char> keys(n * kb), values(n * vb);
    for (size_t i = 0; i < n; ++i) {
      std::memcpy(&keys[i * kb], kin + order[i] * kb, kb);
      std::memcpy(&values[i * vb], vin + order[i] * vb, vb);
    }
    std::memset(temp, 0xA5, bytes);
    if (n > 0) {
      std::memcpy(keys_out, keys.data(), keys.size());
      std::memcpy(values_out, values.data(), values.size());
    }
  });
}

}  // namespace cuda_emu
