// The subset of CBOR (RFC 8949) that CTAP uses (shared by the simulated authenticator and the host's
// read-only guard), with CTAP2 canonical encoding (CTAP 2.1 section 8):
// unsigned/negative integers, byte and text strings, arrays, maps, booleans and null. The decoder is
// strict and bounded (definite lengths only, no tags or floats, no duplicate keys, limited nesting and
// size) because it parses whatever a host sends; the encoder always sorts map keys canonically, which
// libfido2 and python-fido2 both insist on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"

namespace keydesk::cbor {

// Why a decode failed; the FIDO layer maps these to CTAP2_ERR_INVALID_CBOR / CTAP2_ERR_LIMIT_EXCEEDED.
enum class DecodeStatus : uint8_t { kOk, kInvalid, kLimitExceeded };

class Value;
using Array = std::vector<Value>;
using Map = std::vector<std::pair<Value, Value>>;

class Value {
 public:
  enum class Type : uint8_t { kUnsigned, kNegative, kBytes, kText, kArray, kMap, kBool, kNull };

  Value() : type_(Type::kNull) {}
  // Integers: non-negative values are major type 0, negative ones major type 1.
  Value(int64_t n);                                             // NOLINT(google-explicit-constructor)
  Value(int n) : Value(static_cast<int64_t>(n)) {}              // NOLINT(google-explicit-constructor)
  Value(uint64_t n) : type_(Type::kUnsigned), uint_(n) {}       // NOLINT(google-explicit-constructor)
  Value(bool b) : type_(Type::kBool), bool_(b) {}               // NOLINT(google-explicit-constructor)
  Value(const char* text) : type_(Type::kText), text_(text) {}  // NOLINT(google-explicit-constructor)
  Value(std::string text) : type_(Type::kText), text_(std::move(text)) {}  // NOLINT
  Value(Bytes bytes) : type_(Type::kBytes), bytes_(std::move(bytes)) {}    // NOLINT
  Value(Array items) : type_(Type::kArray), array_(std::move(items)) {}    // NOLINT
  Value(Map entries) : type_(Type::kMap), map_(std::move(entries)) {}      // NOLINT
  static Value bytes(ByteView b) { return Value(Bytes(b.begin(), b.end())); }
  static Value negative_from_raw(uint64_t n);  // the value -1 - n

  Type type() const { return type_; }
  bool is_unsigned() const { return type_ == Type::kUnsigned; }
  bool is_integer() const { return type_ == Type::kUnsigned || type_ == Type::kNegative; }
  bool is_bytes() const { return type_ == Type::kBytes; }
  bool is_text() const { return type_ == Type::kText; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_map() const { return type_ == Type::kMap; }
  bool is_bool() const { return type_ == Type::kBool; }

  uint64_t as_unsigned() const { return uint_; }
  // The integer value; values below INT64_MIN do not occur in CTAP and saturate.
  int64_t as_integer() const;
  uint64_t raw_negative() const { return uint_; }
  const Bytes& as_bytes() const { return bytes_; }
  const std::string& as_text() const { return text_; }
  const Array& as_array() const { return array_; }
  const Map& as_map() const { return map_; }
  bool as_bool() const { return bool_; }

  // Map lookups by integer or text key (nullptr when absent or when this is not a map).
  const Value* find(int64_t key) const;
  const Value* find(std::string_view key) const;

  bool operator==(const Value& other) const;

 private:
  Type type_;
  uint64_t uint_ = 0;  // unsigned value, or n of a negative value -1 - n
  bool bool_ = false;
  Bytes bytes_;
  std::string text_;
  Array array_;
  Map map_;
};

// Limits of the decoder: nesting deeper than CTAP messages ever need, and no more items than fit in a
// maximal CTAPHID message.
inline constexpr size_t kMaxDepth = 8;
inline constexpr size_t kMaxItems = 7609;

// Decodes exactly one item that must span all of `input`. Malformed input (truncation, indefinite
// lengths, tags, floats, duplicate map keys, invalid UTF-8 length, trailing bytes) is kInvalid;
// exceeding kMaxDepth or kMaxItems is kLimitExceeded.
DecodeStatus decode(ByteView input, Value& out);
// Canonical CTAP2 encoding.
Bytes encode(const Value& value);

}  // namespace keydesk::cbor
