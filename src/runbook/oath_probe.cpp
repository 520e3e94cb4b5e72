#include "runbook/oath_probe.h"

#include "host/oath/oath_session.h"

namespace keydesk::runbook {
namespace {

const char* rule_name(host::oath::OathAccessRule r) {
  switch (r) {
    case host::oath::OathAccessRule::kAlways:
      return "Always";
    case host::oath::OathAccessRule::kPin:
      return "Pin";
    case host::oath::OathAccessRule::kTouch:
      return "Touch";
  }
  return "Always";
}

const char* hash_name(crypto::HashAlg h) {
  switch (h) {
    case crypto::HashAlg::kSha1:
      return "SHA1";
    case crypto::HashAlg::kSha256:
      return "SHA256";
    case crypto::HashAlg::kSha384:
      return "SHA384";
    case crypto::HashAlg::kSha512:
      return "SHA512";
  }
  return "SHA1";
}

}  // namespace

Result<OathState> read_oath(host::ApduConnection& connection) {
  host::oath::OathSession oath(connection);
  auto info = oath.select();
  if (!info) return info.error();
  if (info->password_required)
    return Error::make(ErrorKind::kNotSupported,
                       "the OATH applet is password-protected; listing needs the password (not read-only)");
  auto creds = oath.list_with_properties();
  if (!creds) return creds.error();
  OathState state;
  for (const auto& c : *creds) {
    OathCredential out;
    out.name = c.name;
    out.type = c.type == host::oath::OathType::kHotp ? "HOTP" : "TOTP";
    out.algorithm = hash_name(c.hash);
    out.digits = c.digits;
    out.counter = c.counter;
    if (c.period) out.period = static_cast<int>(*c.period);
    if (c.contact) out.contact_acr = rule_name(*c.contact);
    if (c.contactless) out.contactless_acr = rule_name(*c.contactless);
    // Only the extension reports digits; a plain LIST cannot.
    state.properties_available = state.properties_available || c.digits.has_value();
    state.credentials.push_back(std::move(out));
  }
  return state;
}

}  // namespace keydesk::runbook
