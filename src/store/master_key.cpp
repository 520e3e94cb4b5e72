#include "store/master_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "crypto/aead.h"
#include "crypto/random.h"

namespace keydesk::store {
namespace {

constexpr std::string_view kFileHeader = "keydesk-master-key-v1 ";

Error io_error(const std::string& what, int err) {
  return Error::make(ErrorKind::kIo, what + ": " + std::strerror(err), static_cast<uint32_t>(err));
}

class FileMasterKey final : public MasterKey {
 public:
  FileMasterKey(std::string path, SecureBytes key) : path_(std::move(path)), key_(std::move(key)) {}
  std::string reference() const override { return "file:" + path_; }

  Result<Bytes> wrap(ByteView aad, const SecureBytes& data_key) override {
    Bytes out = crypto::random_bytes(crypto::kGcmNonceSize);
    KD_ASSIGN_OR_RETURN(Bytes body, crypto::aes256_gcm_seal(key_, out, aad, data_key));
    append(out, body);
    return out;
  }
  Result<SecureBytes> unwrap(ByteView aad, ByteView wrapped) override {
    if (wrapped.size() < crypto::kGcmNonceSize + crypto::kGcmTagSize)
      return Error::make(ErrorKind::kIntegrity, "wrapped data key is too short");
    auto key = crypto::aes256_gcm_open(key_, wrapped.first(crypto::kGcmNonceSize), aad,
                                       wrapped.subspan(crypto::kGcmNonceSize));
    if (!key.ok() && key.error().kind == ErrorKind::kIntegrity)
      return Error::make(ErrorKind::kIntegrity,
                         "the master key " + reference() + " does not open this store's data key");
    return key;
  }

 private:
  std::string path_;
  SecureBytes key_;
};

std::string absolute(std::string_view path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(std::filesystem::path(path), ec);
  return ec ? std::string(path) : abs.lexically_normal().string();
}

Result<SecureBytes> read_key_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error::make(ErrorKind::kNotFound, "master key file " + path);
    return io_error("master key file " + path, errno);
  }
  SecureString text;
  {
    SecureBytes buf(256);
    ssize_t n = ::read(fd, buf.data(), buf.size());
    const int err = errno;
    ::close(fd);
    if (n < 0) return io_error("master key file " + path, err);
    text = SecureString(std::string_view(reinterpret_cast<const char*>(buf.data()), static_cast<size_t>(n)));
  }
  std::string_view v = text.view();
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.remove_suffix(1);
  if (!v.starts_with(kFileHeader) || v.size() != kFileHeader.size() + 64)
    return Error::make(ErrorKind::kMalformed, "master key file " + path + " is not a keydesk master key");
  auto raw = from_hex(v.substr(kFileHeader.size()));
  if (!raw)
    return Error::make(ErrorKind::kMalformed, "master key file " + path + " is not a keydesk master key");
  SecureBytes key(raw->begin(), raw->end());
  wipe(*raw);
  return key;
}

Status write_new_key_file(const std::string& path) {
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path() && !std::filesystem::exists(p.parent_path(), ec)) {
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) return io_error("creating " + p.parent_path().string(), ec.value());
    ::chmod(p.parent_path().c_str(), 0700);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("creating master key file " + path, errno);
  Bytes key = crypto::random_bytes(32);
  SecureString line(std::string(kFileHeader) + to_hex(key) + "\n");
  wipe(key);
  // fchmod as well: the umask may have removed bits, never added them, but be explicit.
  bool ok = ::fchmod(fd, 0600) == 0;
  ok = ok && ::write(fd, line.view().data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ok && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return io_error("writing master key file " + path, err);
  }
  // The directory entry must be durable too before any data key is wrapped under this key.
  const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<std::unique_ptr<MasterKey>> open_file_key(std::string_view spec, bool create, bool* created) {
  if (spec.empty()) return Error::make(ErrorKind::kUsage, "file: master key reference without a path");
  const std::string path = absolute(spec);
  if (create) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) {
      Status made = write_new_key_file(path);
      if (made.ok()) {
        if (created) *created = true;
      } else if (made.error().code != EEXIST) {
        return made.error();
      }
    }
  }
  KD_TRY(key_file::check_permissions(path));
  KD_ASSIGN_OR_RETURN(SecureBytes key, read_key_file(path));
  return std::unique_ptr<MasterKey>(std::make_unique<FileMasterKey>(path, std::move(key)));
}

Result<std::unique_ptr<MasterKey>> open_any(std::string_view reference, bool create, bool* created) {
  if (created) *created = false;
  if (reference.starts_with("file:")) return open_file_key(reference.substr(5), create, created);
  if (reference.starts_with("pkcs11:")) return open_pkcs11_master_key(reference, create, created);
  return Error::make(ErrorKind::kUsage, "master key reference must start with file: or pkcs11:");
}

}  // namespace

Status key_file::check_permissions(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Error::make(ErrorKind::kNotFound, "master key file " + path);
    return io_error("master key file " + path, errno);
  }
  if (!S_ISREG(st.st_mode))
    return Error::make(ErrorKind::kRefused, "master key file " + path + " is not a regular file");
  if (st.st_uid != ::geteuid())
    return Error::make(ErrorKind::kRefused, "master key file " + path + " belongs to another user");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error::make(ErrorKind::kRefused, "master key file " + path +
                                                " is accessible to group or others (mode " + mode +
                                                "); run chmod 600 on it");
  }
  return {};
}

Result<std::unique_ptr<MasterKey>> open_master_key(std::string_view reference) {
  return open_any(reference, false, nullptr);
}

Result<std::unique_ptr<MasterKey>> create_master_key(std::string_view reference, bool* created) {
  return open_any(reference, true, created);
}

}  // namespace keydesk::store
