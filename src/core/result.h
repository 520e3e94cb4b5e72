// Result<T>: a value or a typed Error. Outcomes such as "wrong PIN" are values, not exceptions.
#pragma once

#include <utility>
#include <variant>

#include "core/error.h"

namespace keydesk {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace keydesk

// Propagates the error of an expression yielding Result<...>.
#define KD_TRY(expr)                                         \
  do {                                                       \
    auto kd_try_result_ = (expr);                            \
    if (!kd_try_result_.ok()) return kd_try_result_.error(); \
  } while (0)

#define KD_CONCAT_INNER_(a, b) a##b
#define KD_CONCAT_(a, b) KD_CONCAT_INNER_(a, b)
// KD_ASSIGN_OR_RETURN(auto x, expr): declares x from a Result's value, or returns its error.
#define KD_ASSIGN_OR_RETURN(decl, expr) \
  KD_ASSIGN_OR_RETURN_IMPL_(KD_CONCAT_(kd_result_, __LINE__), decl, expr)
#define KD_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.error();               \
  decl = std::move(tmp).value()
