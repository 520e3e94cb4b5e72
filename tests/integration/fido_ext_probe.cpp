// fido_ext_probe: libfido2 1.12's own CTAP2 client code (not keydesk's FidoSession) against keydesk-sim's
// CTAPHID socket, for the extension paths test_fido_extensions.sh judges with two clients:
//
//   fido_ext_probe make SOCKET RP es256|eddsa PROT   non-discoverable credential with hmac-secret and
//                                                    credProtect PROT (0 = not asked); libfido2 verifies
//                                                    the packed attestation; prints
//                                                    "id=HEX pubkey=HEX prot=N hmac-secret=0|1"
//   fido_ext_probe assert SOCKET RP es256|eddsa PUBKEY_HEX ID_HEX SALT_HEX
//                                                    getAssertion with hmac-secret (no PIN, so no UV);
//                                                    libfido2 verifies the signature with PUBKEY; prints
//                                                    "hmac=HEX"
// Errors print "error ..." and exit 1. The socket carries 64-byte CTAPHID reports (SOCK_SEQPACKET).
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr size_t kReport = 64;

void* io_open(const char* path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    return nullptr;
  }
  return new int(fd);
}

void io_close(void* handle) {
  ::close(*static_cast<int*>(handle));
  delete static_cast<int*>(handle);
}

int io_read(void* handle, unsigned char* buf, size_t len, int ms) {
  pollfd p{*static_cast<int*>(handle), POLLIN, 0};
  if (::poll(&p, 1, ms) != 1) return -1;
  const ssize_t n = ::recv(p.fd, buf, len, 0);
  return n == static_cast<ssize_t>(kReport) ? static_cast<int>(n) : -1;
}

int io_write(void* handle, const unsigned char* buf, size_t len) {
  // libfido2 prepends the report ID (0); the socket carries the bare 64-byte report.
  if (len != kReport + 1) return -1;
  return ::send(*static_cast<int*>(handle), buf + 1, kReport, MSG_NOSIGNAL) == static_cast<ssize_t>(kReport)
             ? static_cast<int>(len)
             : -1;
}

std::string hex(const unsigned char* p, size_t n) {
  std::string out;
  char b[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    out += b;
  }
  return out;
}

std::vector<unsigned char> unhex(const std::string& s) {
  std::vector<unsigned char> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2)
    out.push_back(static_cast<unsigned char>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return out;
}

int fail(const char* what, int r) {
  std::printf("error %s: %s (%d)\n", what, fido_strerr(r), r);
  return 1;
}

fido_dev_t* open_device(const char* socket_path) {
  static const fido_dev_io_t io{io_open, io_close, io_read, io_write};
  fido_dev_t* dev = fido_dev_new();
  if (fido_dev_set_io_functions(dev, &io) != FIDO_OK) return nullptr;
  const int r = fido_dev_open(dev, socket_path);
  if (r != FIDO_OK) {
    std::printf("error open: %s\n", fido_strerr(r));
    return nullptr;
  }
  return dev;
}

const unsigned char kClientDataHash[32] = {1, 2, 3, 4, 5, 6, 7, 8};

int make(fido_dev_t* dev, const char* rp, int alg, int prot) {
  fido_cred_t* cred = fido_cred_new();
  const unsigned char user_id[] = {'u', '1'};
  int r;
  if ((r = fido_cred_set_type(cred, alg)) != FIDO_OK) return fail("type", r);
  if ((r = fido_cred_set_clientdata_hash(cred, kClientDataHash, sizeof kClientDataHash)) != FIDO_OK)
    return fail("cdh", r);
  if ((r = fido_cred_set_rp(cred, rp, "probe")) != FIDO_OK) return fail("rp", r);
  if ((r = fido_cred_set_user(cred, user_id, sizeof user_id, "probe", nullptr, nullptr)) != FIDO_OK)
    return fail("user", r);
  if ((r = fido_cred_set_extensions(cred, FIDO_EXT_HMAC_SECRET | (prot ? FIDO_EXT_CRED_PROTECT : 0))) !=
      FIDO_OK)
    return fail("extensions", r);
  if (prot && (r = fido_cred_set_prot(cred, prot)) != FIDO_OK) return fail("prot", r);
  if ((r = fido_dev_make_cred(dev, cred, nullptr)) != FIDO_OK) return fail("make_cred", r);
  // libfido2's own check of the packed attestation statement (signature over authData || cdh, x5c).
  if ((r = fido_cred_verify(cred)) != FIDO_OK) return fail("verify", r);
  const bool hmac = (fido_cred_flags(cred) & 0x80) != 0;  // extension data present
  std::printf("id=%s pubkey=%s prot=%d ed=%d\n", hex(fido_cred_id_ptr(cred), fido_cred_id_len(cred)).c_str(),
              hex(fido_cred_pubkey_ptr(cred), fido_cred_pubkey_len(cred)).c_str(), fido_cred_prot(cred),
              hmac);
  fido_cred_free(&cred);
  return 0;
}

int assert_hmac(fido_dev_t* dev, const char* rp, int alg, const std::string& pubkey_hex,
                const std::string& id_hex, const std::string& salt_hex) {
  const auto pubkey = unhex(pubkey_hex), id = unhex(id_hex), salt = unhex(salt_hex);
  fido_assert_t* a = fido_assert_new();
  int r;
  if ((r = fido_assert_set_rp(a, rp)) != FIDO_OK) return fail("rp", r);
  if ((r = fido_assert_set_clientdata_hash(a, kClientDataHash, sizeof kClientDataHash)) != FIDO_OK)
    return fail("cdh", r);
  if ((r = fido_assert_allow_cred(a, id.data(), id.size())) != FIDO_OK) return fail("allow", r);
  if ((r = fido_assert_set_extensions(a, FIDO_EXT_HMAC_SECRET)) != FIDO_OK) return fail("extensions", r);
  if ((r = fido_assert_set_hmac_salt(a, salt.data(), salt.size())) != FIDO_OK) return fail("salt", r);
  if ((r = fido_dev_get_assert(dev, a, nullptr)) != FIDO_OK) return fail("get_assert", r);
  if (alg == COSE_ES256) {
    es256_pk_t* pk = es256_pk_new();
    if ((r = es256_pk_from_ptr(pk, pubkey.data(), pubkey.size())) != FIDO_OK) return fail("es256 key", r);
    r = fido_assert_verify(a, 0, COSE_ES256, pk);
    es256_pk_free(&pk);
  } else {
    eddsa_pk_t* pk = eddsa_pk_new();
    if ((r = eddsa_pk_from_ptr(pk, pubkey.data(), pubkey.size())) != FIDO_OK) return fail("eddsa key", r);
    r = fido_assert_verify(a, 0, COSE_EDDSA, pk);
    eddsa_pk_free(&pk);
  }
  if (r != FIDO_OK) return fail("verify", r);
  std::printf("hmac=%s\n", hex(fido_assert_hmac_secret_ptr(a, 0), fido_assert_hmac_secret_len(a, 0)).c_str());
  fido_assert_free(&a);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: fido_ext_probe make|assert SOCKET RP es256|eddsa ...\n");
    return 2;
  }
  fido_init(0);
  const std::string mode = argv[1];
  const int alg = std::string(argv[4]) == "eddsa" ? COSE_EDDSA : COSE_ES256;
  fido_dev_t* dev = open_device(argv[2]);
  if (!dev) return 1;
  int rc = 2;
  if (mode == "make" && argc == 6) rc = make(dev, argv[3], alg, std::atoi(argv[5]));
  if (mode == "assert" && argc == 8) rc = assert_hmac(dev, argv[3], alg, argv[5], argv[6], argv[7]);
  fido_dev_close(dev);
  fido_dev_free(&dev);
  return rc;
}
