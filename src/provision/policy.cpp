// The policy file's parser: a strict reader over nlohmann's parser (duplicate keys and depth checked while
// parsing), then one walk that consumes every member it knows and refuses anything left over.
#include "provision/policy.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/text.h"

namespace keydesk::provision {

using nlohmann::json;

const char* secret_source_kind_name(SecretSource::Kind kind) {
  switch (kind) {
    case SecretSource::Kind::kVault:
      return "vault";
    case SecretSource::Kind::kFile:
      return "file";
    case SecretSource::Kind::kEnv:
      return "env";
  }
  return "?";
}

const char* puk_strategy_name(PukStrategy s) {
  switch (s) {
    case PukStrategy::kRandomPerToken:
      return "random-per-token";
    case PukStrategy::kDerived:
      return "derived";
    case PukStrategy::kBatchShared:
      return "batch-shared";
  }
  return "?";
}

const char* pin_method_name(PinMethod m) {
  return m == PinMethod::kDefaultForceChange ? "default-force-change" : "random-delivered";
}

namespace {

// JSON pointer escaping (RFC 6901), then terminal_text: a member name comes from the file.
std::string pointer_child(const std::string& parent, std::string_view key) {
  std::string out = parent + "/";
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

Error bad(const std::string& pointer, std::string_view why) {
  return Error::make(ErrorKind::kUsage,
                     "policy " + terminal_text(pointer.empty() ? "/" : pointer) + ": " + std::string(why));
}

// Names that end up in the journal, the vault or a file name: a conservative character set.
bool is_plain_name(std::string_view s, size_t max, bool allow_slash) {
  if (s.empty() || s.size() > max) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || (allow_slash && c == '/'))) return false;
  return s.front() != '.' && s.front() != '/';
}

// One JSON object being read: every member read is ticked off; finish() refuses the rest.
class Obj {
 public:
  Obj(const json& j, std::string pointer) : j_(j), ptr_(std::move(pointer)) {}

  const std::string& pointer() const { return ptr_; }
  std::string at(std::string_view key) const { return pointer_child(ptr_, key); }
  bool has(std::string_view key) const { return j_.contains(std::string(key)); }

  const json* take(std::string_view key) {
    auto it = j_.find(std::string(key));
    if (it == j_.end()) return nullptr;
    seen_.insert(std::string(key));
    return &*it;
  }

  Result<std::optional<std::string>> string(std::string_view key, size_t max = 256) {
    const json* v = take(key);
    if (!v) return std::optional<std::string>{};
    if (!v->is_string()) return bad(at(key), "must be a string");
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max) return bad(at(key), "longer than " + std::to_string(max) + " bytes");
    if (!is_valid_utf8(s)) return bad(at(key), "is not valid UTF-8");
    for (unsigned char c : s)
      if (c < 0x20 || c == 0x7F) return bad(at(key), "holds a control character");
    return std::optional<std::string>(s);
  }
  Result<std::string> required_string(std::string_view key, size_t max = 256) {
    KD_ASSIGN_OR_RETURN(auto s, string(key, max));
    if (!s) return bad(at(key), "is required");
    if (s->empty()) return bad(at(key), "must not be empty");
    return *s;
  }
  Result<std::optional<int64_t>> integer(std::string_view key, int64_t lo, int64_t hi) {
    const json* v = take(key);
    if (!v) return std::optional<int64_t>{};
    if (!v->is_number_integer()) return bad(at(key), "must be an integer");
    int64_t n = 0;
    if (v->is_number_unsigned()) {
      const uint64_t u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(hi)) return range(key, lo, hi);
      n = static_cast<int64_t>(u);
    } else {
      n = v->get<int64_t>();
    }
    if (n < lo || n > hi) return range(key, lo, hi);
    return std::optional<int64_t>(n);
  }
  Result<std::optional<bool>> boolean(std::string_view key) {
    const json* v = take(key);
    if (!v) return std::optional<bool>{};
    if (!v->is_boolean()) return bad(at(key), "must be true or false");
    return std::optional<bool>(v->get<bool>());
  }
  // One of `names` (the index), or nullopt when absent.
  Result<std::optional<size_t>> choice(std::string_view key, std::initializer_list<std::string_view> names) {
    const json* v = take(key);
    if (!v) return std::optional<size_t>{};
    std::string list;
    for (auto n : names) list += (list.empty() ? "" : ", ") + std::string(n);
    if (!v->is_string()) return bad(at(key), "must be one of " + list);
    size_t i = 0;
    for (auto n : names) {
      if (v->get_ref<const std::string&>() == n) return std::optional<size_t>(i);
      ++i;
    }
    return bad(at(key), "must be one of " + list);
  }
  Result<std::optional<Obj>> object(std::string_view key) {
    const json* v = take(key);
    if (!v) return std::optional<Obj>{};
    if (!v->is_object()) return bad(at(key), "must be an object");
    return std::optional<Obj>(Obj(*v, at(key)));
  }

  Status finish() const {
    for (const auto& [key, value] : j_.items()) {
      (void)value;
      if (!seen_.count(key)) return bad(at(key), "is not a member the policy format knows");
    }
    return {};
  }

 private:
  Result<std::optional<int64_t>> range(std::string_view key, int64_t lo, int64_t hi) const {
    return bad(at(key), "must be " + std::to_string(lo) + ".." + std::to_string(hi));
  }

  const json& j_;
  std::string ptr_;
  std::set<std::string> seen_;
};

template <typename T>
T value_or(const std::optional<int64_t>& v, T fallback) {
  return v ? static_cast<T>(*v) : fallback;
}

// {"vault": NAME} | {"file": PATH} | {"env": VAR}: exactly one member.
Result<SecretSource> read_source(Obj o) {
  if (o.has("value") || o.has("hex") || o.has("text"))
    return bad(o.pointer(),
               "a policy never holds a secret: name a vault secret, a file or an environment variable");
  SecretSource s;
  int given = 0;
  KD_ASSIGN_OR_RETURN(auto vault, o.string("vault", 64));
  KD_ASSIGN_OR_RETURN(auto file, o.string("file", 4096));
  KD_ASSIGN_OR_RETURN(auto env, o.string("env", 128));
  if (vault) {
    ++given;
    if (!is_plain_name(*vault, 64, true))
      return bad(o.at("vault"), "a vault name is 1 to 64 of A-Z a-z 0-9 - _ . /");
    s = {SecretSource::Kind::kVault, *vault};
  }
  if (file) {
    ++given;
    if (file->empty()) return bad(o.at("file"), "must not be empty");
    s = {SecretSource::Kind::kFile, *file};
  }
  if (env) {
    ++given;
    bool ok = !env->empty() && !std::isdigit(static_cast<unsigned char>((*env)[0]));
    for (unsigned char c : *env) ok = ok && (std::isalnum(c) || c == '_');
    if (!ok)
      return bad(o.at("env"), "an environment variable name is A-Z a-z 0-9 _ (not starting with a digit)");
    s = {SecretSource::Kind::kEnv, *env};
  }
  if (given != 1) return bad(o.pointer(), "needs exactly one of vault, file, env");
  KD_TRY(o.finish());
  return s;
}

Result<std::optional<SecretSource>> optional_source(Obj& parent, std::string_view key) {
  KD_ASSIGN_OR_RETURN(auto o, parent.object(key));
  if (!o) return std::optional<SecretSource>{};
  KD_ASSIGN_OR_RETURN(SecretSource s, read_source(std::move(*o)));
  return std::optional<SecretSource>(s);
}

Result<crypto::BlockCipher> read_cipher(Obj& o, std::string_view key, crypto::BlockCipher fallback,
                                        bool required) {
  KD_ASSIGN_OR_RETURN(auto c, o.choice(key, {"tdes", "aes128", "aes192", "aes256"}));
  if (!c) {
    if (required) return bad(o.at(key), "is required");
    return fallback;
  }
  static constexpr crypto::BlockCipher kCiphers[] = {crypto::BlockCipher::kTdes, crypto::BlockCipher::kAes128,
                                                     crypto::BlockCipher::kAes192,
                                                     crypto::BlockCipher::kAes256};
  return kCiphers[*c];
}

Result<PukPolicy> read_puk(Obj o) {
  PukPolicy p;
  KD_ASSIGN_OR_RETURN(auto strategy, o.choice("strategy", {"random-per-token", "derived", "batch-shared"}));
  if (!strategy) return bad(o.at("strategy"), "is required");
  p.strategy = static_cast<PukStrategy>(*strategy);
  KD_ASSIGN_OR_RETURN(auto length, o.integer("length", 6, 8));
  p.length = value_or(length, 8);
  KD_ASSIGN_OR_RETURN(auto tries, o.integer("max_tries", 1, 15));
  p.max_tries = value_or(tries, 3);
  KD_ASSIGN_OR_RETURN(p.derivation_master, optional_source(o, "derivation_master"));
  KD_ASSIGN_OR_RETURN(auto batch, o.string("batch", 48));
  if (p.strategy == PukStrategy::kDerived && !p.derivation_master)
    return bad(o.at("derivation_master"), "is required by the derived strategy");
  if (p.strategy != PukStrategy::kDerived && p.derivation_master)
    return bad(o.at("derivation_master"), "belongs to the derived strategy only");
  if (p.strategy == PukStrategy::kBatchShared) {
    if (!batch) return bad(o.at("batch"), "is required by the batch-shared strategy");
    if (!is_plain_name(*batch, 48, false)) return bad(o.at("batch"), "is 1 to 48 of A-Z a-z 0-9 - _ .");
    p.batch = *batch;
  } else if (batch) {
    return bad(o.at("batch"), "belongs to the batch-shared strategy only");
  }
  KD_TRY(o.finish());
  return p;
}

Result<PinPolicy> read_pin(Obj o) {
  PinPolicy p;
  KD_ASSIGN_OR_RETURN(auto method, o.choice("method", {"default-force-change", "random-delivered"}));
  if (!method) return bad(o.at("method"), "is required");
  p.method = static_cast<PinMethod>(*method);
  KD_ASSIGN_OR_RETURN(auto min_len, o.integer("min_length", 4, 8));
  KD_ASSIGN_OR_RETURN(auto max_len, o.integer("max_length", 4, 8));
  p.min_length = value_or(min_len, 6);
  p.max_length = value_or(max_len, 8);
  if (p.min_length > p.max_length) return bad(o.at("min_length"), "must not exceed max_length");
  KD_ASSIGN_OR_RETURN(auto length, o.integer("length", 4, 8));
  p.length = value_or(length, std::max(6, p.min_length));
  if (p.length < p.min_length || p.length > p.max_length)
    return bad(o.at("length"), "must be within min_length..max_length");
  // A YubiKey and ykman refuse PINs shorter than 6 (docs/provisioning.md).
  if (p.length < 6) return bad(o.at("length"), "must be at least 6 (PIV tokens refuse shorter PINs)");
  KD_ASSIGN_OR_RETURN(auto tries, o.integer("max_tries", 1, 15));
  p.max_tries = value_or(tries, 3);
  KD_ASSIGN_OR_RETURN(auto fallback, o.choice("without_force_change", {"keep-default", "random-delivered"}));
  if (fallback) {
    if (p.method != PinMethod::kDefaultForceChange)
      return bad(o.at("without_force_change"), "belongs to the default-force-change method only");
    p.without_force_change = static_cast<NoForceChangeFallback>(*fallback);
  }
  KD_ASSIGN_OR_RETURN(p.transport_pin, optional_source(o, "transport_pin"));
  KD_TRY(o.finish());
  return p;
}

Result<AdminKeyPolicy> read_admin_key(Obj o) {
  AdminKeyPolicy p;
  KD_ASSIGN_OR_RETURN(p.algorithm, read_cipher(o, "algorithm", crypto::BlockCipher::kAes128, true));
  KD_ASSIGN_OR_RETURN(auto master, o.object("master"));
  if (!master) return bad(o.at("master"), "is required (the diversification master key)");
  KD_ASSIGN_OR_RETURN(p.master, read_source(std::move(*master)));
  KD_ASSIGN_OR_RETURN(auto challenge, o.choice("challenge", {"dynamic", "static"}));
  p.challenge = challenge ? static_cast<XauthChallenge>(*challenge) : XauthChallenge::kDynamic;
  KD_ASSIGN_OR_RETURN(auto tries, o.integer("max_tries", 1, 15));
  p.max_tries = value_or(tries, 5);
  KD_TRY(o.finish());
  return p;
}

Result<PivManagementKeyPolicy> read_management_key(Obj o) {
  PivManagementKeyPolicy p;
  KD_ASSIGN_OR_RETURN(p.algorithm, read_cipher(o, "algorithm", crypto::BlockCipher::kAes192, true));
  KD_ASSIGN_OR_RETURN(auto touch, o.boolean("touch"));
  p.touch = touch.value_or(false);
  KD_TRY(o.finish());
  return p;
}

Result<crypto::HashAlg> read_hash(Obj& o) {
  KD_ASSIGN_OR_RETURN(auto h, o.choice("hash", {"sha1", "sha256", "sha512"}));
  static constexpr crypto::HashAlg kHashes[] = {crypto::HashAlg::kSha1, crypto::HashAlg::kSha256,
                                                crypto::HashAlg::kSha512};
  return h ? kHashes[*h] : crypto::HashAlg::kSha1;
}

Status check_template(const Obj& o, std::string_view key, const std::string& name, bool import) {
  NameFields probe{"u", "1", "0000000000000000000A", "i", "k"};
  auto expanded = expand_name(name, probe);
  if (!expanded.ok()) return bad(o.at(key), describe(expanded.error()));
  if (!import && (name.find("{issuer}") != std::string::npos || name.find("{id}") != std::string::npos))
    return bad(o.at(key), "{issuer} and {id} exist for imported credentials only");
  return {};
}

Result<OathGenerated> read_generated(Obj o) {
  OathGenerated g;
  KD_ASSIGN_OR_RETURN(g.name, o.required_string("name", 64));
  KD_TRY(check_template(o, "name", g.name, false));
  KD_ASSIGN_OR_RETURN(auto type, o.choice("type", {"hotp", "totp"}));
  if (!type) return bad(o.at("type"), "is required");
  g.kind = static_cast<OathKind>(*type);
  KD_ASSIGN_OR_RETURN(g.hash, read_hash(o));
  KD_ASSIGN_OR_RETURN(auto digits, o.integer("digits", 6, 8));
  g.digits = value_or(digits, 6);
  KD_ASSIGN_OR_RETURN(auto period, o.integer("period", 1, 3600));
  KD_ASSIGN_OR_RETURN(auto counter, o.integer("counter", 0, 0xFFFFFFFFll));
  if (g.kind == OathKind::kHotp && period) return bad(o.at("period"), "belongs to TOTP credentials only");
  if (g.kind == OathKind::kTotp && counter) return bad(o.at("counter"), "belongs to HOTP credentials only");
  g.period = value_or<uint32_t>(period, 30);
  g.counter = value_or<uint32_t>(counter, 0);
  KD_ASSIGN_OR_RETURN(auto bytes, o.integer("secret_bytes", 16, 64));
  g.secret_bytes = value_or(bytes, 20);
  KD_ASSIGN_OR_RETURN(auto touch, o.boolean("touch"));
  g.touch = touch.value_or(false);
  KD_TRY(o.finish());
  return g;
}

Result<OathImport> read_import(Obj o) {
  OathImport im;
  KD_ASSIGN_OR_RETURN(im.file, o.required_string("file", 4096));
  KD_ASSIGN_OR_RETURN(im.preshared_key, optional_source(o, "preshared_key"));
  KD_ASSIGN_OR_RETURN(im.passphrase, optional_source(o, "passphrase"));
  if (im.preshared_key && im.passphrase)
    return bad(o.pointer(), "preshared_key and passphrase exclude each other (a file uses one)");
  KD_ASSIGN_OR_RETURN(auto name, o.string("name", 64));
  if (name) im.name = *name;
  KD_TRY(check_template(o, "name", im.name, true));
  KD_ASSIGN_OR_RETURN(auto missing, o.choice("hotp_without_counter", {"refuse", "start-at-zero"}));
  if (missing) im.hotp_without_counter = static_cast<HotpWithoutCounter>(*missing);
  KD_ASSIGN_OR_RETURN(auto touch, o.boolean("touch"));
  im.touch = touch.value_or(false);
  KD_TRY(o.finish());
  return im;
}

Result<OathExport> read_export(Obj o) {
  OathExport ex;
  KD_ASSIGN_OR_RETURN(ex.directory, o.required_string("directory", 4096));
  KD_ASSIGN_OR_RETURN(ex.preshared_key, optional_source(o, "preshared_key"));
  KD_ASSIGN_OR_RETURN(ex.passphrase, optional_source(o, "passphrase"));
  if (!!ex.preshared_key == !!ex.passphrase)
    return bad(o.pointer(), "needs exactly one of preshared_key, passphrase (an export is always encrypted)");
  KD_ASSIGN_OR_RETURN(ex.key_name, o.required_string("key_name", 128));
  KD_ASSIGN_OR_RETURN(auto cipher, o.choice("cipher", {"aes128-cbc", "aes256-cbc"}));
  if (cipher) ex.cipher = static_cast<ExportCipher>(*cipher);
  KD_ASSIGN_OR_RETURN(auto mac, o.choice("mac", {"hmac-sha1", "hmac-sha256"}));
  if (mac) ex.mac = static_cast<ExportMac>(*mac);
  KD_ASSIGN_OR_RETURN(auto iterations, o.integer("pbkdf2_iterations", 1000, 10000000));
  if (iterations) {
    if (!ex.passphrase) return bad(o.at("pbkdf2_iterations"), "belongs to passphrase protection only");
    ex.pbkdf2_iterations = static_cast<unsigned>(*iterations);
  }
  KD_TRY(o.finish());
  return ex;
}

Result<OathPolicy> read_oath(Obj o) {
  OathPolicy p;
  if (const json* list = o.take("generate")) {
    const std::string at = o.at("generate");
    if (!list->is_array()) return bad(at, "must be an array");
    if (list->size() > 32) return bad(at, "at most 32 credentials");
    size_t i = 0;
    for (const auto& item : *list) {
      const std::string item_at = at + "/" + std::to_string(i++);
      if (!item.is_object()) return bad(item_at, "must be an object");
      KD_ASSIGN_OR_RETURN(OathGenerated g, read_generated(Obj(item, item_at)));
      for (const auto& other : p.generate)
        if (other.name == g.name) return bad(item_at + "/name", "names another credential already");
      p.generate.push_back(std::move(g));
    }
  }
  KD_ASSIGN_OR_RETURN(auto import, o.object("import"));
  if (import) {
    KD_ASSIGN_OR_RETURN(OathImport im, read_import(std::move(*import)));
    p.import = std::move(im);
  }
  KD_ASSIGN_OR_RETURN(auto ex, o.object("export"));
  if (ex) {
    KD_ASSIGN_OR_RETURN(OathExport e, read_export(std::move(*ex)));
    p.export_to = std::move(e);
  }
  if (p.generate.empty() && !p.import)
    return bad(o.pointer(), "needs generate or import (or leave oath out)");
  KD_TRY(o.finish());
  return p;
}

Result<FidoPolicy> read_fido(Obj o) {
  FidoPolicy p;
  KD_ASSIGN_OR_RETURN(auto scope, o.choice("scope", {"out-of-scope", "pin-rule"}));
  if (!scope) return bad(o.at("scope"), "is required");
  p.scope = static_cast<FidoScope>(*scope);
  if (p.scope == FidoScope::kOutOfScope) {
    p.rule = "out-of-scope";
    KD_TRY(o.finish());
    return p;
  }
  KD_ASSIGN_OR_RETURN(p.rule, o.required_string("rule", 48));
  if (!is_plain_name(p.rule, 48, false)) return bad(o.at("rule"), "is 1 to 48 of A-Z a-z 0-9 - _ .");
  KD_ASSIGN_OR_RETURN(auto min_len, o.integer("min_pin_length", 4, 63));
  p.min_pin_length = value_or(min_len, 4);
  KD_ASSIGN_OR_RETURN(auto set_pin, o.boolean("set_pin"));
  p.set_pin = set_pin.value_or(false);
  KD_ASSIGN_OR_RETURN(auto length, o.integer("pin_length", 4, 63));
  if (length && !p.set_pin) return bad(o.at("pin_length"), "belongs to set_pin: true only");
  p.pin_length = value_or(length, std::max(8, p.min_pin_length));
  if (p.pin_length < p.min_pin_length) return bad(o.at("pin_length"), "must be at least min_pin_length");
  KD_TRY(o.finish());
  return p;
}

// nlohmann's parser, with duplicate keys and excessive depth caught while it runs (it keeps the last of
// two equal keys and nests as deep as memory allows).
Result<json> parse_strict(std::string_view text) {
  if (text.size() > kMaxPolicyBytes)
    return Error::make(ErrorKind::kUsage, "policy: larger than " + std::to_string(kMaxPolicyBytes / 1024) + " KiB");
  std::vector<std::set<std::string>> keys;
  std::string problem;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
    if (!problem.empty()) return false;
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (static_cast<size_t>(depth) >= kMaxPolicyDepth) problem = "nested deeper than 8";
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case json::parse_event_t::key:
        if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second)
          problem = "member " + quoted_text(parsed.get<std::string>()) + " appears twice in one object";
        break;
      default:
        break;
    }
    return problem.empty();
  };
  json doc = json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  if (!problem.empty()) return Error::make(ErrorKind::kUsage, "policy: " + problem);
  if (doc.is_discarded()) return Error::make(ErrorKind::kUsage, "policy: not a JSON document");
  return doc;
}

}  // namespace

Result<Policy> parse_policy(std::string_view text) {
  KD_ASSIGN_OR_RETURN(json doc, parse_strict(text));
  if (!doc.is_object()) return bad("", "must be a JSON object");
  Obj root(doc, "");
  Policy p;
  KD_ASSIGN_OR_RETURN(auto format, root.required_string("format", 64));
  if (format != kPolicyFormat) return bad("/format", "must be \"" + std::string(kPolicyFormat) + "\"");
  KD_ASSIGN_OR_RETURN(p.name, root.required_string("name", 32));
  if (!is_plain_name(p.name, 32, false)) return bad("/name", "is 1 to 32 of A-Z a-z 0-9 - _ .");
  KD_ASSIGN_OR_RETURN(auto description, root.string("description", 1024));
  p.description = description.value_or("");

  KD_ASSIGN_OR_RETURN(auto puk, root.object("puk"));
  if (!puk) return bad("/puk", "is required");
  KD_ASSIGN_OR_RETURN(p.puk, read_puk(std::move(*puk)));
  KD_ASSIGN_OR_RETURN(auto pin, root.object("pin"));
  if (!pin) return bad("/pin", "is required");
  KD_ASSIGN_OR_RETURN(p.pin, read_pin(std::move(*pin)));
  KD_ASSIGN_OR_RETURN(auto admin, root.object("admin_key"));
  if (admin) {
    KD_ASSIGN_OR_RETURN(AdminKeyPolicy a, read_admin_key(std::move(*admin)));
    p.admin_key = std::move(a);
  }
  KD_ASSIGN_OR_RETURN(auto management, root.object("piv_management_key"));
  if (!management)
    return bad("/piv_management_key", "is required (the management key is never left at its default)");
  KD_ASSIGN_OR_RETURN(p.piv_management_key, read_management_key(std::move(*management)));
  KD_ASSIGN_OR_RETURN(auto oath, root.object("oath"));
  if (oath) {
    KD_ASSIGN_OR_RETURN(p.oath, read_oath(std::move(*oath)));
  }
  KD_ASSIGN_OR_RETURN(auto fido, root.object("fido"));
  if (!fido) return bad("/fido", "is required (out-of-scope or a pin-rule)");
  KD_ASSIGN_OR_RETURN(p.fido, read_fido(std::move(*fido)));
  KD_TRY(root.finish());
  p.digest = to_hex(crypto::hash(crypto::HashAlg::kSha256,
                                 ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  return p;
}

Result<std::string> expand_name(std::string_view name_template, const NameFields& fields) {
  static const std::map<std::string_view, std::string NameFields::*> kFields = {
      {"user", &NameFields::user},
      {"serial", &NameFields::serial},
      {"cuid", &NameFields::cuid},
      {"issuer", &NameFields::issuer},
      {"id", &NameFields::id}};
  std::string out;
  for (size_t i = 0; i < name_template.size(); ++i) {
    const char c = name_template[i];
    if (c == '}') return Error::make(ErrorKind::kUsage, "an unbalanced } in the name");
    if (c != '{') {
      out += c;
      continue;
    }
    const size_t end = name_template.find('}', i);
    if (end == std::string_view::npos) return Error::make(ErrorKind::kUsage, "an unbalanced { in the name");
    const auto field = kFields.find(name_template.substr(i + 1, end - i - 1));
    if (field == kFields.end())
      return Error::make(ErrorKind::kUsage, "a name knows {user}, {serial}, {cuid}, {issuer} and {id} only");
    out += fields.*(field->second);
    i = end;
  }
  if (out.empty() || out.size() > 64)
    return Error::make(ErrorKind::kUsage, "a credential name is 1 to 64 bytes once expanded");
  return out;
}

}  // namespace keydesk::provision
