#include "store/pkcs11_uri.h"

#include <cctype>
#include <fstream>

namespace keydesk::store {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return Error::make(ErrorKind::kUsage, "pkcs11 URI: truncated percent escape");
    const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
    if (hi < 0 || lo < 0) return Error::make(ErrorKind::kUsage, "pkcs11 URI: bad percent escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string percent_encode(std::string_view in) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    // RFC 7512 section 2.3: unreserved characters and a few others stay as they are.
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == ':') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

template <typename F>
Status for_each_attribute(std::string_view list, char separator, F&& f) {
  while (!list.empty()) {
    const size_t end = list.find(separator);
    const std::string_view item = list.substr(0, end);
    list = end == std::string_view::npos ? std::string_view{} : list.substr(end + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      return Error::make(ErrorKind::kUsage, "pkcs11 URI: attribute without '='");
    KD_ASSIGN_OR_RETURN(std::string value, percent_decode(item.substr(eq + 1)));
    KD_TRY(f(item.substr(0, eq), std::move(value)));
  }
  return {};
}

}  // namespace

Result<Pkcs11Uri> Pkcs11Uri::parse(std::string_view uri) {
  if (!uri.starts_with("pkcs11:")) return Error::make(ErrorKind::kUsage, "not a pkcs11: URI");
  uri.remove_prefix(7);
  const size_t q = uri.find('?');
  const std::string_view path = uri.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view{} : uri.substr(q + 1);
  Pkcs11Uri out;
  KD_TRY(for_each_attribute(path, ';', [&](std::string_view name, std::string value) -> Status {
    if (name == "token")
      out.token = std::move(value);
    else if (name == "object")
      out.object = std::move(value);
    else if (name == "id")
      out.id = bytes_of(value);
    else if (name == "type") {
      if (value != "secret-key")
        return Error::make(ErrorKind::kUsage, "pkcs11 URI: the master key is a secret-key");
    }
    // Other path attributes (manufacturer, model, serial, library-*) narrow the search in RFC 7512; the
    // token label is what keydesk matches on, so they are accepted and not used.
    return {};
  }));
  KD_TRY(for_each_attribute(query, '&', [&](std::string_view name, std::string value) -> Status {
    if (name == "module-path")
      out.module_path = std::move(value);
    else if (name == "pin-source")
      out.pin_source = std::move(value);
    else if (name == "pin-value")
      out.pin_value = SecureString(value);
    else
      return Error::make(ErrorKind::kUsage, "pkcs11 URI: unknown query attribute " + std::string(name));
    OPENSSL_cleanse(value.data(), value.size());
    return {};
  }));
  if (out.token.empty()) return Error::make(ErrorKind::kUsage, "pkcs11 URI: token= is required");
  if (out.object.empty()) return Error::make(ErrorKind::kUsage, "pkcs11 URI: object= is required");
  if (out.module_path.empty()) return Error::make(ErrorKind::kUsage, "pkcs11 URI: module-path= is required");
  return out;
}

std::string Pkcs11Uri::reference() const {
  std::string s = "pkcs11:token=" + percent_encode(token) + ";object=" + percent_encode(object);
  if (!id.empty()) {
    s += ";id=";
    static const char* kHex = "0123456789ABCDEF";
    for (uint8_t b : id) {
      s.push_back('%');
      s.push_back(kHex[b >> 4]);
      s.push_back(kHex[b & 15]);
    }
  }
  s += "?module-path=" + percent_encode(module_path);
  if (!pin_source.empty()) s += "&pin-source=" + percent_encode(pin_source);
  return s;
}

Result<SecureString> Pkcs11Uri::pin() const {
  if (!pin_value.empty()) return pin_value;
  if (pin_source.empty())
    return Error::make(ErrorKind::kUsage, "pkcs11 URI: give the token's user PIN with pin-source=file:PATH");
  if (!pin_source.starts_with("file:"))
    return Error::make(ErrorKind::kUsage, "pkcs11 URI: pin-source must be file:PATH");
  const std::string path = pin_source.substr(5);
  std::ifstream in(path);
  if (!in) return Error::make(ErrorKind::kNotFound, "PIN file " + path);
  std::string line;
  std::getline(in, line);
  SecureString pin(line);
  OPENSSL_cleanse(line.data(), line.size());
  if (pin.empty()) return Error::make(ErrorKind::kUsage, "PIN file " + path + " is empty");
  return pin;
}

}  // namespace keydesk::store
