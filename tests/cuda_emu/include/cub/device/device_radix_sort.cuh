// CPU emulation (tests/cuda_emu) of cub::DeviceRadixSort::SortPairs for unsigned integer keys:
// a stable ascending sort on the key bits [begin_bit, end_bit), with CUB's two-call protocol
// (a null d_temp_storage asks for the temporary storage size).
#pragma once

#include <cstddef>
#include <type_traits>

#include "cuda_runtime.h"

namespace cuda_emu {

// type-erased body of SortPairs (src/radix_sort.cpp)
cudaError_t sort_pairs(void* temp, size_t* temp_bytes, const void* keys_in, void* keys_out,
                       const void* values_in, void* values_out, long long count, int key_bytes,
                       int value_bytes, int begin_bit, int end_bit, cudaStream_t stream);

}  // namespace cuda_emu

namespace cub {

struct DeviceRadixSort {
  template <class KeyT, class ValueT, class NumItemsT>
  static cudaError_t SortPairs(void* d_temp_storage, size_t& temp_storage_bytes,
                               const KeyT* d_keys_in, KeyT* d_keys_out, const ValueT* d_values_in,
                               ValueT* d_values_out, NumItemsT num_items, int begin_bit = 0,
                               int end_bit = sizeof(KeyT) * 8, cudaStream_t stream = nullptr) {
    static_assert(std::is_integral_v<KeyT> && std::is_unsigned_v<KeyT>,
                  "the emulation sorts unsigned integer keys only");
    static_assert(std::is_trivially_copyable_v<ValueT>, "values are moved as bytes");
    return cuda_emu::sort_pairs(d_temp_storage, &temp_storage_bytes, d_keys_in, d_keys_out,
                                d_values_in, d_values_out, static_cast<long long>(num_items),
                                sizeof(KeyT), sizeof(ValueT), begin_bit, end_bit, stream);
  }
};

}  // namespace cub
