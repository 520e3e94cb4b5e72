// Buffers for secrets (PINs, PUKs, seeds, keys): memory is overwritten with OPENSSL_cleanse before it is
// returned to the allocator, including the old buffer a growing vector or string leaves behind. The idea
// is SoftHSMv2's SecureAllocator; copies into ordinary Bytes or std::string are the caller's to avoid.
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"

namespace keydesk {

template <typename T>
struct SecureAllocator {
  using value_type = T;
  SecureAllocator() noexcept = default;
  template <typename U>
  SecureAllocator(const SecureAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    ::operator delete(p);
  }
  template <typename U>
  bool operator==(const SecureAllocator<U>&) const noexcept {
    return true;
  }
};

using SecureBytes = std::vector<uint8_t, SecureAllocator<uint8_t>>;
// Short-string optimisation keeps small strings inside the object, where the allocator never sees them:
// the destructor of SecureString wipes that buffer too.
class SecureString {
 public:
  SecureString() = default;
  explicit SecureString(std::string_view s) : s_(s.begin(), s.end()) {}
  SecureString(const SecureString&) = default;
  SecureString(SecureString&& o) noexcept : s_(std::move(o.s_)) { o.clear(); }
  SecureString& operator=(const SecureString&) = default;
  SecureString& operator=(SecureString&& o) noexcept {
    clear();
    s_ = std::move(o.s_);
    o.clear();
    return *this;
  }
  ~SecureString() { clear(); }

  std::string_view view() const { return {s_.data(), s_.size()}; }
  ByteView bytes() const { return {reinterpret_cast<const uint8_t*>(s_.data()), s_.size()}; }
  size_t size() const { return s_.size(); }
  bool empty() const { return s_.empty(); }
  void clear() {
    OPENSSL_cleanse(s_.data(), s_.capacity());
    s_.clear();
  }

 private:
  std::basic_string<char, std::char_traits<char>, SecureAllocator<char>> s_;
};

inline SecureBytes secure_copy(ByteView b) {
  return SecureBytes(b.begin(), b.end());
}

}  // namespace keydesk
