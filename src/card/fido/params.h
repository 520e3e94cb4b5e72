// Typed access to the parameter map of a CTAP request. A missing required parameter is
// CTAP2_ERR_MISSING_PARAMETER and a parameter of the wrong CBOR type CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
// the first problem found is kept so a handler reads all its parameters, then checks status() once.
#pragma once

#include <optional>
#include <string>

#include "cbor/cbor.h"

namespace keydesk::card::fido {

enum class Need : uint8_t { kOptional, kRequired };

class Params {
 public:
  explicit Params(const cbor::Value& map) : map_(map) {}

  CtapStatus status() const { return status_; }
  bool has(int64_t key) const { return map_.find(key) != nullptr; }

  const Bytes* bytes(int64_t key, Need need) {
    return typed(key, need, cbor::Value::Type::kBytes, &cbor::Value::as_bytes);
  }
  const std::string* text(int64_t key, Need need) {
    return typed(key, need, cbor::Value::Type::kText, &cbor::Value::as_text);
  }
  const cbor::Map* map(int64_t key, Need need) {
    return typed(key, need, cbor::Value::Type::kMap, &cbor::Value::as_map);
  }
  const cbor::Array* array(int64_t key, Need need) {
    return typed(key, need, cbor::Value::Type::kArray, &cbor::Value::as_array);
  }
  // The whole value of a map parameter (when its encoding is needed, e.g. subCommandParams).
  const cbor::Value* map_value(int64_t key, Need need) { return lookup(key, need, cbor::Value::Type::kMap); }
  std::optional<uint64_t> uint(int64_t key, Need need) {
    const cbor::Value* v = lookup(key, need, cbor::Value::Type::kUnsigned);
    return v ? std::optional<uint64_t>(v->as_unsigned()) : std::nullopt;
  }

  // Records an error found by the caller (e.g. inside a nested map), keeping the first one.
  void fail(CtapStatus s) {
    if (status_ == CtapStatus::kOk) status_ = s;
  }

 private:
  const cbor::Value* lookup(int64_t key, Need need, cbor::Value::Type type) {
    const cbor::Value* v = map_.find(key);
    if (!v) {
      if (need == Need::kRequired) fail(CtapStatus::kMissingParameter);
      return nullptr;
    }
    if (v->type() != type) {
      fail(CtapStatus::kCborUnexpectedType);
      return nullptr;
    }
    return v;
  }
  template <typename T>
  const T* typed(int64_t key, Need need, cbor::Value::Type type, const T& (cbor::Value::*get)() const) {
    const cbor::Value* v = lookup(key, need, type);
    return v ? &(v->*get)() : nullptr;
  }

  const cbor::Value& map_;
  CtapStatus status_ = CtapStatus::kOk;
};

// Reads an optional boolean member of an options map ("rk", "up", "uv").
inline std::optional<bool> option(const cbor::Map& options, std::string_view name, Params& params) {
  for (const auto& [k, v] : options)
    if (k.is_text() && k.as_text() == name) {
      if (!v.is_bool()) {
        params.fail(CtapStatus::kCborUnexpectedType);
        return std::nullopt;
      }
      return v.as_bool();
    }
  return std::nullopt;
}

}  // namespace keydesk::card::fido
