#include "cbor/cbor.h"

#include <algorithm>
#include <limits>

namespace keydesk::cbor {
namespace {

enum Major : uint8_t {
  kUint = 0,
  kNint = 1,
  kBstr = 2,
  kTstr = 3,
  kArr = 4,
  kMapType = 5,
  kTag = 6,
  kSimple = 7
};

void put_head(Bytes& out, uint8_t major, uint64_t n) {
  const auto m = static_cast<uint8_t>(major << 5);
  if (n < 24) {
    out.push_back(static_cast<uint8_t>(m | n));
  } else if (n <= 0xFF) {
    out.push_back(m | 24);
    out.push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xFFFF) {
    out.push_back(m | 25);
    append_be16(out, static_cast<uint16_t>(n));
  } else if (n <= 0xFFFFFFFF) {
    out.push_back(m | 26);
    append_be32(out, static_cast<uint32_t>(n));
  } else {
    out.push_back(m | 27);
    append_be64(out, n);
  }
}

void encode_into(Bytes& out, const Value& v) {
  switch (v.type()) {
    case Value::Type::kUnsigned:
      put_head(out, kUint, v.as_unsigned());
      break;
    case Value::Type::kNegative:
      put_head(out, kNint, v.raw_negative());
      break;
    case Value::Type::kBytes:
      put_head(out, kBstr, v.as_bytes().size());
      append(out, v.as_bytes());
      break;
    case Value::Type::kText:
      put_head(out, kTstr, v.as_text().size());
      out.insert(out.end(), v.as_text().begin(), v.as_text().end());
      break;
    case Value::Type::kArray:
      put_head(out, kArr, v.as_array().size());
      for (const auto& item : v.as_array()) encode_into(out, item);
      break;
    case Value::Type::kMap: {
      // Canonical order: by major type, then by encoded length, then bytewise (CTAP 2.1 section 8).
      std::vector<std::pair<Bytes, const Value*>> entries;
      entries.reserve(v.as_map().size());
      for (const auto& [key, value] : v.as_map()) entries.emplace_back(encode(key), &value);
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const int ma = a.first[0] >> 5, mb = b.first[0] >> 5;
        if (ma != mb) return ma < mb;
        if (a.first.size() != b.first.size()) return a.first.size() < b.first.size();
        return a.first < b.first;
      });
      put_head(out, kMapType, entries.size());
      for (const auto& [key, value] : entries) {
        append(out, key);
        encode_into(out, *value);
      }
      break;
    }
    case Value::Type::kBool:
      out.push_back(v.as_bool() ? 0xF5 : 0xF4);
      break;
    case Value::Type::kNull:
      out.push_back(0xF6);
      break;
  }
}

class Decoder {
 public:
  explicit Decoder(ByteView in) : in_(in) {}

  DecodeStatus item(Value& out, size_t depth) {
    if (depth > kMaxDepth || ++items_ > kMaxItems) return DecodeStatus::kLimitExceeded;
    if (pos_ >= in_.size()) return DecodeStatus::kInvalid;
    const uint8_t initial = in_[pos_++];
    const uint8_t major = initial >> 5;
    const uint8_t info = initial & 0x1F;
    if (major == kSimple) {
      if (info == 20 || info == 21) {
        out = Value(info == 21);
        return DecodeStatus::kOk;
      }
      if (info == 22) {
        out = Value();
        return DecodeStatus::kOk;
      }
      return DecodeStatus::kInvalid;  // undefined, other simple values, floats, break
    }
    if (major == kTag) return DecodeStatus::kInvalid;
    uint64_t n = 0;
    if (DecodeStatus s = argument(info, n); s != DecodeStatus::kOk) return s;
    switch (major) {
      case kUint:
        out = Value(n);
        return DecodeStatus::kOk;
      case kNint:
        out = Value::negative_from_raw(n);
        return DecodeStatus::kOk;
      case kBstr:
      case kTstr: {
        if (n > in_.size() - pos_) return DecodeStatus::kInvalid;
        const auto begin = in_.begin() + static_cast<std::ptrdiff_t>(pos_);
        const auto end = begin + static_cast<std::ptrdiff_t>(n);
        pos_ += n;
        out = major == kBstr ? Value(Bytes(begin, end)) : Value(std::string(begin, end));
        return DecodeStatus::kOk;
      }
      case kArr: {
        if (n > in_.size() - pos_) return DecodeStatus::kInvalid;  // each item takes at least a byte
        Array items(n);
        for (auto& i : items)
          if (DecodeStatus s = item(i, depth + 1); s != DecodeStatus::kOk) return s;
        out = Value(std::move(items));
        return DecodeStatus::kOk;
      }
      default: {  // map
        if (n > (in_.size() - pos_) / 2) return DecodeStatus::kInvalid;
        Map entries(n);
        for (auto& [key, value] : entries) {
          if (DecodeStatus s = item(key, depth + 1); s != DecodeStatus::kOk) return s;
          if (DecodeStatus s = item(value, depth + 1); s != DecodeStatus::kOk) return s;
        }
        for (size_t i = 0; i < entries.size(); ++i)
          for (size_t j = i + 1; j < entries.size(); ++j)
            if (entries[i].first == entries[j].first) return DecodeStatus::kInvalid;
        out = Value(std::move(entries));
        return DecodeStatus::kOk;
      }
    }
  }

  bool at_end() const { return pos_ == in_.size(); }

 private:
  DecodeStatus argument(uint8_t info, uint64_t& n) {
    if (info < 24) {
      n = info;
      return DecodeStatus::kOk;
    }
    if (info > 27) return DecodeStatus::kInvalid;  // reserved or indefinite length
    const size_t width = size_t{1} << (info - 24);
    if (width > in_.size() - pos_) return DecodeStatus::kInvalid;
    n = 0;
    for (size_t i = 0; i < width; ++i) n = (n << 8) | in_[pos_++];
    return DecodeStatus::kOk;
  }

  ByteView in_;
  size_t pos_ = 0;
  size_t items_ = 0;
};

}  // namespace

Value::Value(int64_t n) {
  if (n >= 0) {
    type_ = Type::kUnsigned;
    uint_ = static_cast<uint64_t>(n);
  } else {
    type_ = Type::kNegative;
    uint_ = static_cast<uint64_t>(-(n + 1));
  }
}

Value Value::negative_from_raw(uint64_t n) {
  Value v;
  v.type_ = Type::kNegative;
  v.uint_ = n;
  return v;
}

int64_t Value::as_integer() const {
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (type_ == Type::kUnsigned) return static_cast<int64_t>(std::min(uint_, kMax));
  return -1 - static_cast<int64_t>(std::min(uint_, kMax));
}

const Value* Value::find(int64_t key) const {
  for (const auto& [k, v] : map_)
    if (k.is_integer() && k.as_integer() == key && (key < 0) == (k.type_ == Type::kNegative)) return &v;
  return nullptr;
}

const Value* Value::find(std::string_view key) const {
  for (const auto& [k, v] : map_)
    if (k.is_text() && k.text_ == key) return &v;
  return nullptr;
}

bool Value::operator==(const Value& o) const {
  return type_ == o.type_ && uint_ == o.uint_ && bool_ == o.bool_ && bytes_ == o.bytes_ && text_ == o.text_ &&
         array_ == o.array_ && map_ == o.map_;
}

DecodeStatus decode(ByteView input, Value& out) {
  Decoder d(input);
  if (DecodeStatus s = d.item(out, 0); s != DecodeStatus::kOk) return s;
  return d.at_end() ? DecodeStatus::kOk : DecodeStatus::kInvalid;
}

Bytes encode(const Value& value) {
  Bytes out;
  encode_into(out, value);
  return out;
}

}  // namespace keydesk::cbor
