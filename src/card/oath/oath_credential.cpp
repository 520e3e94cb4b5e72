#include "card/oath/oath_credential.h"

#include <charconv>

#include "core/text.h"

namespace keydesk::card::oath {
using json = nlohmann::json;

namespace {
const char* rule_name(AccessRule r) {
  switch (r) {
    case AccessRule::kPin:
      return "pin";
    case AccessRule::kTouch:
      return "touch";
    default:
      return "always";
  }
}

std::optional<AccessRule> rule_from_name(const std::string& s) {
  if (s == "always") return AccessRule::kAlways;
  if (s == "pin") return AccessRule::kPin;
  if (s == "touch") return AccessRule::kTouch;
  return std::nullopt;
}
}  // namespace

const char* oath_hash_name(crypto::HashAlg hash) {
  switch (hash) {
    case crypto::HashAlg::kSha256:
      return "sha256";
    case crypto::HashAlg::kSha512:
      return "sha512";
    default:
      return "sha1";
  }
}

std::optional<crypto::HashAlg> oath_hash_from_name(const std::string& name) {
  if (name == "sha1") return crypto::HashAlg::kSha1;
  if (name == "sha256") return crypto::HashAlg::kSha256;
  if (name == "sha512") return crypto::HashAlg::kSha512;
  return std::nullopt;
}

uint8_t OathCredential::kind_byte() const {
  return static_cast<uint8_t>(static_cast<uint8_t>(type) | crypto::oath_nibble_of(hash));
}

uint8_t OathCredential::properties() const {
  return static_cast<uint8_t>((increasing ? kPropertyIncreasing : 0) |
                              (contact == AccessRule::kTouch ? kPropertyTouch : 0));
}

uint32_t OathCredential::period() const {
  const std::string text = string_of(name);
  const size_t slash = text.find('/');
  uint32_t value = 0;
  if (type == OathType::kTotp && slash != std::string::npos && slash > 0) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + slash, value);
    if (ec == std::errc() && end == text.data() + slash && value > 0) return value;
  }
  return 30;
}

json OathCredential::save() const {
  // Names are bytes chosen by a client (YKOATH PUT): state_text keeps any of them losslessly.
  return json{{"name", state_text(string_of(name))},
              {"type", type == OathType::kHotp ? "hotp" : "totp"},
              {"algorithm", oath_hash_name(hash)},
              {"digits", digits},
              {"secret", to_hex(secret)},
              {"counter", counter},
              {"increasing", increasing},
              {"contact_acr", rule_name(contact)},
              {"contactless_acr", rule_name(contactless)}};
}

Result<OathCredential> OathCredential::load(const json& j) {
  OathCredential c;
  try {
    auto name = state_text_bytes(j.at("name"));
    if (!name)
      return Error::make(ErrorKind::kMalformed, "oath credential: name is neither a string nor {\"hex\"}");
    c.name = bytes_of(*name);
    const std::string type = j.value("type", "totp");
    if (type != "hotp" && type != "totp") return Error::make(ErrorKind::kMalformed, "oath credential type");
    c.type = type == "hotp" ? OathType::kHotp : OathType::kTotp;
    const auto hash = oath_hash_from_name(j.value("algorithm", "sha1"));
    const auto contact = rule_from_name(j.value("contact_acr", "always"));
    const auto contactless = rule_from_name(j.value("contactless_acr", "always"));
    auto secret = from_hex(j.at("secret").get<std::string>());
    if (!hash || !contact || !contactless || !secret)
      return Error::make(ErrorKind::kMalformed, "oath credential " + quoted_text(string_of(c.name)));
    c.hash = *hash;
    c.contact = *contact;
    c.contactless = *contactless;
    c.secret = std::move(*secret);
    // A HOTP counter is a 64-bit unsigned integer (RFC 4226, section 5.2): a negative or fractional
    // value must not wrap or truncate into one.
    for (const char* field : {"digits", "counter"})
      if (j.contains(field) && !j[field].is_number_unsigned())
        return Error::make(ErrorKind::kMalformed, "oath credential " + quoted_text(string_of(c.name)) + ": " +
                                                      field + " must be a non-negative integer");
    if (j.contains("increasing") && !j["increasing"].is_boolean())
      return Error::make(ErrorKind::kMalformed, "oath credential " + quoted_text(string_of(c.name)) +
                                                    ": increasing must be true or false");
    c.digits = j.value("digits", uint8_t{6});
    c.counter = j.value("counter", uint64_t{0});
    c.increasing = j.value("increasing", false);
  } catch (const json::exception& e) {
    return Error::make(ErrorKind::kMalformed, std::string("oath credential: ") + e.what());
  }
  if (c.name.empty() || c.name.size() > kMaxNameLength || c.digits < 6 || c.digits > 8)
    return Error::make(ErrorKind::kMalformed,
                       "oath credential " + quoted_text(string_of(c.name)) + ": name or digits");
  return c;
}

}  // namespace keydesk::card::oath
