// Structure-of-arrays storage written once for every place it lives. A storage struct (the
// rollout, the environment batch) is a template over how it holds an array of T:
//   HostArray<T>     std::vector<T>: the CPU backend, checkpoints, tests
//   DeviceBuffer<T>  device memory (host/cuda/device_buffer.hpp): the CUDA backend
//   Ptr<T>           T*: a view into either, passed by value to kernels and HD functions
// and lists its arrays once, with their lengths, in a `fields` function returning a tuple of
// Sized. Resizing, views, uploads and downloads walk that list, so a new field is added in one
// place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

namespace stampede {

template <class T>
using HostArray = std::vector<T>;

template <class T>
using Ptr = T*;

// one array of a storage and the number of elements it holds
template <class A>
struct Sized {
  A& array;
  int64_t count;
};
template <class A>
Sized(A&, int64_t) -> Sized<A>;

template <class T>
T* array_data(std::vector<T>& a) {
  return a.data();
}
template <class T>
const T* array_data(const std::vector<T>& a) {
  return a.data();
}
template <class T>
T* array_data(T* a) {
  return a;
}

// zero-filled to `count` elements (a view cannot be resized)
template <class T>
void resize_array(std::vector<T>& a, int64_t count) {
  a.assign(static_cast<std::size_t>(count), T{});
}

// f(a_field, b_field) for the fields of two storages of the same kind, in list order
template <class A, class B, class F>
void for_each_pair(A&& a_fields, B&& b_fields, F&& f) {
  constexpr std::size_t n = std::tuple_size_v<std::decay_t<A>>;
  static_assert(n == std::tuple_size_v<std::decay_t<B>>);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(std::get<I>(a_fields), std::get<I>(b_fields)), ...);
  }
  (std::make_index_sequence<n>{});
}

// f(field) for every field of a storage, in list order
template <class Fields, class F>
void for_each_field(Fields&& fields, F&& f) {
  std::apply([&](auto&... field) { (f(field), ...); }, fields);
}

// the view (Ptr storage) of any storage S of the same kind: the same shape, pointers into it
template <class View, class S>
View view_of(S& storage) {
  View view;
  view.shape = storage.shape;
  for_each_pair(View::fields(view), S::fields(storage),
                [](auto& to, auto& from) { to.array = array_data(from.array); });
  return view;
}

// sizes every array of `storage` to its shape (zero-filled on the host)
template <class S>
void resize_storage(S& storage) {
  for_each_field(S::fields(storage), [](auto& f) { resize_array(f.array, f.count); });
}

}  // namespace stampede
