// pskc_tool: a test helper over src/pskc for tests/integration/test_pskc_python.py (not installed; a
// `keydesk` command can take its place once the CLI grows one). It never prints a secret: `show` prints
// the OTP codes the imported seed computes, which a test compares with oathtool's from the writer's seed.
//
//   pskc_tool show FILE [--psk-hex-file F | --passphrase-env NAME] [--codes N] [--at UNIX_TIME]
//   pskc_tool export IN OUT [input key options] (--out-psk-hex-file F | --out-passphrase-env NAME)
//             [--iterations N] [--encrypt-counter] [--aes256] [--hmac-sha256] [--counter-if-absent N]
//
// Exit codes: 0 ok, 1 usage or I/O, 2 refused as malformed/unsupported/key needed, 3 wrong key or damaged
// file, 4 encrypted value without its MAC.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/digest.h"
#include "pskc/pskc.h"

using namespace keydesk;

namespace {

struct Args {
  std::vector<std::string> positional;
  std::optional<std::string> psk_file, passphrase_env, out_psk_file, out_passphrase_env;
  unsigned codes = 3;
  uint64_t at = 0;
  unsigned iterations = 0;
  bool encrypt_counter = false, aes256 = false, hmac_sha256 = false;
  std::optional<uint64_t> counter_if_absent;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "pskc_tool: " << why << "\n";
  std::exit(1);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) usage("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SecureBytes read_hex_key(const std::string& path) {
  std::string text = read_file(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  auto bytes = from_hex(text);
  if (!bytes) usage("the key file " + path + " does not hold hex");
  SecureBytes out = secure_copy(*bytes);
  wipe(*bytes);
  return out;
}

SecureString env_secret(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) usage("environment variable " + name + " is not set");
  return SecureString(v);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--psk-hex-file")
      a.psk_file = next();
    else if (arg == "--passphrase-env")
      a.passphrase_env = next();
    else if (arg == "--out-psk-hex-file")
      a.out_psk_file = next();
    else if (arg == "--out-passphrase-env")
      a.out_passphrase_env = next();
    else if (arg == "--codes")
      a.codes = static_cast<unsigned>(std::stoul(next()));
    else if (arg == "--at")
      a.at = std::stoull(next());
    else if (arg == "--iterations")
      a.iterations = static_cast<unsigned>(std::stoul(next()));
    else if (arg == "--encrypt-counter")
      a.encrypt_counter = true;
    else if (arg == "--aes256")
      a.aes256 = true;
    else if (arg == "--hmac-sha256")
      a.hmac_sha256 = true;
    else if (arg == "--counter-if-absent")
      a.counter_if_absent = std::stoull(next());
    else if (arg.starts_with("--"))
      usage("unknown option " + arg);
    else
      a.positional.push_back(arg);
  }
  return a;
}

// RFC 4226 §5.3 with RFC 6238's hash choice.
std::string otp(const pskc::OathKey& key, uint64_t moving_factor) {
  Bytes msg;
  append_be64(msg, moving_factor);
  const auto alg = key.hash == pskc::OtpHash::kSha1     ? crypto::HashAlg::kSha1
                   : key.hash == pskc::OtpHash::kSha256 ? crypto::HashAlg::kSha256
                                                        : crypto::HashAlg::kSha512;
  Bytes mac = crypto::hmac(alg, key.secret, msg);
  const size_t off = mac.back() & 0x0F;
  const uint32_t bin = read_be32(ByteView(mac).subspan(off, 4)) & 0x7FFFFFFF;
  wipe(mac);
  uint64_t mod = 1;
  for (unsigned i = 0; i < key.digits; ++i) mod *= 10;
  std::string code = std::to_string(bin % mod);
  return std::string(key.digits - code.size(), '0') + code;
}

int exit_code_for(const Error& e) {
  if (pskc::is(e, pskc::Code::kWrongKeyOrDamaged)) return 3;
  if (pskc::is(e, pskc::Code::kMissingMac)) return 4;
  return 2;
}

Result<pskc::Container> import(const Args& a, const std::string& path) {
  pskc::Decryption d;
  if (a.psk_file) d.preshared_key = read_hex_key(*a.psk_file);
  if (a.passphrase_env) d.passphrase = env_secret(*a.passphrase_env);
  return pskc::read_pskc(read_file(path), d);
}

template <typename T>
std::string opt(const std::optional<T>& v) {
  return v ? std::to_string(*v) : std::string("-");
}

int show(const Args& a) {
  if (a.positional.size() != 1) usage("show FILE");
  auto r = import(a, a.positional[0]);
  if (!r.ok()) {
    std::cerr << "error: " << describe(r.error()) << "\n";
    return exit_code_for(r.error());
  }
  if (r->has_unverified_signature) std::cout << "signature: present, not verified\n";
  for (const auto& k : r->keys) {
    std::cout << "key id=" << k.id << " algorithm=" << pskc::algorithm_name(k.algorithm)
              << " hash=" << pskc::hash_name(k.hash) << " digits=" << k.digits
              << " counter=" << opt(k.counter) << " time=" << opt(k.time)
              << " interval=" << opt(k.time_interval) << " drift=" << opt(k.time_drift)
              << " secret_bytes=" << k.secret.size() << " serial=" << k.device.serial_no
              << " manufacturer=" << k.device.manufacturer << " issuer=" << k.issuer << " codes=";
    // HOTP: the codes at the imported counter onwards. TOTP: the codes at --at and the following steps.
    uint64_t start = k.counter.value_or(0);
    if (k.algorithm == pskc::OtpAlgorithm::kTotp) {
      const uint64_t t0 = k.time.value_or(0);
      start = a.at >= t0 ? (a.at - t0) / k.time_interval.value_or(30) : 0;
    }
    for (unsigned i = 0; i < a.codes; ++i) std::cout << (i ? "," : "") << otp(k, start + i);
    std::cout << "\n";
  }
  return 0;
}

int export_file(const Args& a) {
  if (a.positional.size() != 2) usage("export IN OUT");
  auto r = import(a, a.positional[0]);
  if (!r.ok()) {
    std::cerr << "error: " << describe(r.error()) << "\n";
    return exit_code_for(r.error());
  }
  if (a.counter_if_absent)
    for (auto& k : r->keys)
      if (k.algorithm == pskc::OtpAlgorithm::kHotp && !k.counter) k.counter = *a.counter_if_absent;
  pskc::ExportProtection p;
  if (a.out_psk_file) {
    p.preshared_key = read_hex_key(*a.out_psk_file);
    p.key_name = "keydesk-psk";
  }
  if (a.out_passphrase_env) {
    p.passphrase = env_secret(*a.out_passphrase_env);
    p.key_name = "keydesk-passphrase";
  }
  pskc::ExportOptions o;
  if (a.iterations) o.pbkdf2_iterations = a.iterations;
  o.encrypt_counter = a.encrypt_counter;
  if (a.aes256) o.cipher = pskc::ExportCipher::kAes256Cbc;
  if (a.hmac_sha256) o.mac = pskc::ExportMac::kHmacSha256;
  o.container_id = "keydesk-export";
  auto xml = pskc::write_pskc(*r, p, o);
  if (!xml.ok()) {
    std::cerr << "error: " << describe(xml.error()) << "\n";
    return 1;
  }
  std::ofstream out(a.positional[1], std::ios::binary | std::ios::trunc);
  out << *xml;
  if (!out.flush()) usage("cannot write " + a.positional[1]);
  std::cout << "exported " << r->keys.size() << " keys\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage("show|export ...");
  const std::string command = argv[1];
  const Args a = parse(argc, argv);
  if (command == "show") return show(a);
  if (command == "export") return export_file(a);
  usage("unknown command " + command);
}
