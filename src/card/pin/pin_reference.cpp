#include "card/pin/pin_reference.h"

namespace keydesk::card::pin {

VerifyOutcome PinReference::verify(ByteView candidate) {
  if (!initialized_) return VerifyOutcome::kNotInitialized;
  if (remaining_ == 0) return VerifyOutcome::kBlocked;
  if (equal_ct(candidate, value_)) {
    remaining_ = max_;
    return VerifyOutcome::kOk;
  }
  --remaining_;
  return remaining_ == 0 ? VerifyOutcome::kBlocked : VerifyOutcome::kWrong;
}

void PinReference::set(ByteView value) {
  value_.assign(value.begin(), value.end());
  initialized_ = true;
  remaining_ = max_;
}

void PinReference::set_max(uint8_t max) {
  max_ = max;
  remaining_ = max;
}

void PinReference::clear() {
  wipe(value_);
  initialized_ = false;
  remaining_ = max_;
}

json PinReference::save() const {
  return json{{"initialized", initialized_},
              {"value", to_hex(value_)},
              {"default", to_hex(default_)},
              {"max", max_},
              {"remaining", remaining_}};
}

Status PinReference::load(const json& j) {
  try {
    initialized_ = j.value("initialized", true);
    // Profiles may give the value as text ("text": "123456"); state files always use hex.
    std::optional<Bytes> value = j.contains("text")
                                     ? std::optional<Bytes>(bytes_of(j["text"].get<std::string>()))
                                     : from_hex(j.value("value", std::string{}));
    std::optional<Bytes> def = j.contains("default") ? from_hex(j["default"].get<std::string>()) : value;
    if (!value || !def) return Error::make(ErrorKind::kMalformed, "PIN reference: bad hex");
    value_ = *value;
    default_ = *def;
    max_ = j.value("max", uint8_t{3});
    remaining_ = j.value("remaining", max_);
    if (remaining_ > max_) return Error::make(ErrorKind::kMalformed, "PIN reference: remaining > max");
    if (value_.empty()) initialized_ = false;
    return {};
  } catch (const json::exception& e) {
    return Error::make(ErrorKind::kMalformed, std::string("PIN reference: ") + e.what());
  }
}

}  // namespace keydesk::card::pin
