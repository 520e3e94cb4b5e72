// The PKCS#11 master key: the module is loaded with dlopen (any PKCS#11 v2.40 module; SoftHSM2 in the
// tests), the key is found by token label and object label, and the data key is wrapped by AES-256-GCM
// on the token (PKCS#11 v2.40 section 2.12.3, CKM_AES_GCM). GCM via C_Encrypt rather than
// CKM_AES_KEY_WRAP_PAD because C_WrapKey needs the data key as a token object, and SoftHSM2 pads a key
// it wraps to a multiple of 8 bytes whatever the mechanism.
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <cstdio>
#include <map>
#include <mutex>

#include "crypto/aead.h"
#include "crypto/random.h"
#include "store/master_key.h"
#include "store/pkcs11_uri.h"

namespace keydesk::store {
namespace {

std::string rv_text(CK_RV rv) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "CKR 0x%08lX", static_cast<unsigned long>(rv));
  return buf;
}

Error p11_error(const std::string& what, CK_RV rv) {
  return Error::make(ErrorKind::kCrypto, what + " (" + rv_text(rv) + ")", static_cast<uint32_t>(rv));
}

// One loaded and initialised module per path, shared by every key that uses it; finalised when the last
// user goes away (C_Initialize/C_Finalize are per process).
class Module {
 public:
  static Result<std::shared_ptr<Module>> load(const std::string& path) {
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<Module>> loaded;
    std::lock_guard lock(mutex);
    if (auto existing = loaded[path].lock()) return existing;
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) return Error::make(ErrorKind::kNotFound, "PKCS#11 module " + path + " does not load");
    auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle, "C_GetFunctionList"));
    CK_FUNCTION_LIST_PTR list = nullptr;
    if (!get_list || get_list(&list) != CKR_OK || !list) {
      ::dlclose(handle);
      return Error::make(ErrorKind::kNotSupported, "PKCS#11 module " + path + " has no C_GetFunctionList");
    }
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    const CK_RV rv = list->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      ::dlclose(handle);
      return p11_error("PKCS#11 module " + path + ": C_Initialize", rv);
    }
    auto module = std::shared_ptr<Module>(new Module(handle, list, rv == CKR_OK));
    loaded[path] = module;
    return module;
  }
  ~Module() {
    if (owns_init_) f->C_Finalize(nullptr);
    ::dlclose(handle_);
  }
  CK_FUNCTION_LIST_PTR f;

 private:
  Module(void* handle, CK_FUNCTION_LIST_PTR list, bool owns_init)
      : f(list), handle_(handle), owns_init_(owns_init) {}
  void* handle_;
  bool owns_init_;
};

std::string trimmed_label(const unsigned char* label, size_t size) {
  std::string s(reinterpret_cast<const char*>(label), size);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

class Pkcs11MasterKey final : public MasterKey {
 public:
  Pkcs11MasterKey(std::shared_ptr<Module> module, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key,
                  std::string ref)
      : module_(std::move(module)), session_(session), key_(key), reference_(std::move(ref)) {}
  ~Pkcs11MasterKey() override { module_->f->C_CloseSession(session_); }

  std::string reference() const override { return reference_; }

  Result<Bytes> wrap(ByteView aad, const SecureBytes& data_key) override {
    Bytes nonce = crypto::random_bytes(crypto::kGcmNonceSize);
    CK_GCM_PARAMS params = gcm_params(nonce, aad);
    CK_MECHANISM mechanism{CKM_AES_GCM, &params, sizeof params};
    CK_RV rv = module_->f->C_EncryptInit(session_, &mechanism, key_);
    if (rv != CKR_OK) return p11_error("PKCS#11 AES-GCM wrap: C_EncryptInit", rv);
    Bytes out(data_key.size() + crypto::kGcmTagSize);
    CK_ULONG out_len = out.size();
    rv = module_->f->C_Encrypt(session_, const_cast<CK_BYTE_PTR>(data_key.data()), data_key.size(),
                               out.data(), &out_len);
    if (rv != CKR_OK) return p11_error("PKCS#11 AES-GCM wrap: C_Encrypt", rv);
    out.resize(out_len);
    Bytes wrapped = nonce;
    append(wrapped, out);
    return wrapped;
  }

  Result<SecureBytes> unwrap(ByteView aad, ByteView wrapped) override {
    if (wrapped.size() < crypto::kGcmNonceSize + crypto::kGcmTagSize)
      return Error::make(ErrorKind::kIntegrity, "wrapped data key is too short");
    Bytes nonce(wrapped.begin(), wrapped.begin() + crypto::kGcmNonceSize);
    CK_GCM_PARAMS params = gcm_params(nonce, aad);
    CK_MECHANISM mechanism{CKM_AES_GCM, &params, sizeof params};
    CK_RV rv = module_->f->C_DecryptInit(session_, &mechanism, key_);
    if (rv != CKR_OK) return p11_error("PKCS#11 AES-GCM unwrap: C_DecryptInit", rv);
    const ByteView body = wrapped.subspan(crypto::kGcmNonceSize);
    SecureBytes out(body.size());
    CK_ULONG out_len = out.size();
    rv = module_->f->C_Decrypt(session_, const_cast<CK_BYTE_PTR>(body.data()), body.size(), out.data(),
                               &out_len);
    // A tag that does not verify is CKR_ENCRYPTED_DATA_INVALID in the standard; SoftHSM2 2.6 answers
    // CKR_GENERAL_ERROR. Either way the wrapped key does not open under this master key.
    if (rv != CKR_OK)
      return Error::make(
          ErrorKind::kIntegrity,
          "the master key " + reference_ + " does not open this store's data key (" + rv_text(rv) + ")");
    out.resize(out_len);
    return out;
  }

 private:
  static CK_GCM_PARAMS gcm_params(Bytes& nonce, ByteView aad) {
    CK_GCM_PARAMS p{};
    p.pIv = nonce.data();
    p.ulIvLen = nonce.size();
    p.ulIvBits = nonce.size() * 8;
    p.pAAD = const_cast<CK_BYTE_PTR>(aad.data());
    p.ulAADLen = aad.size();
    p.ulTagBits = crypto::kGcmTagSize * 8;
    return p;
  }

  std::shared_ptr<Module> module_;
  CK_SESSION_HANDLE session_;
  CK_OBJECT_HANDLE key_;
  std::string reference_;
};

Result<CK_SLOT_ID> find_token(Module& m, const std::string& label) {
  CK_ULONG count = 0;
  CK_RV rv = m.f->C_GetSlotList(CK_TRUE, nullptr, &count);
  if (rv != CKR_OK) return p11_error("PKCS#11 C_GetSlotList", rv);
  std::vector<CK_SLOT_ID> slots(count);
  rv = m.f->C_GetSlotList(CK_TRUE, slots.data(), &count);
  if (rv != CKR_OK) return p11_error("PKCS#11 C_GetSlotList", rv);
  for (CK_ULONG i = 0; i < count; ++i) {
    CK_TOKEN_INFO info{};
    if (m.f->C_GetTokenInfo(slots[i], &info) != CKR_OK) continue;
    if (trimmed_label(info.label, sizeof info.label) == label) return slots[i];
  }
  return Error::make(ErrorKind::kNotFound, "PKCS#11 token with label \"" + label + "\"");
}

Result<std::vector<CK_OBJECT_HANDLE>> find_keys(Module& m, CK_SESSION_HANDLE s, const Pkcs11Uri& uri) {
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  std::vector<CK_ATTRIBUTE> tmpl{{CKA_CLASS, &cls, sizeof cls},
                                 {CKA_LABEL, const_cast<char*>(uri.object.data()), uri.object.size()}};
  if (!uri.id.empty()) tmpl.push_back({CKA_ID, const_cast<uint8_t*>(uri.id.data()), uri.id.size()});
  CK_RV rv = m.f->C_FindObjectsInit(s, tmpl.data(), tmpl.size());
  if (rv != CKR_OK) return p11_error("PKCS#11 C_FindObjectsInit", rv);
  std::vector<CK_OBJECT_HANDLE> found(2);
  CK_ULONG n = 0;
  rv = m.f->C_FindObjects(s, found.data(), found.size(), &n);
  m.f->C_FindObjectsFinal(s);
  if (rv != CKR_OK) return p11_error("PKCS#11 C_FindObjects", rv);
  found.resize(n);
  return found;
}

Result<CK_OBJECT_HANDLE> generate_key(Module& m, CK_SESSION_HANDLE s, const Pkcs11Uri& uri) {
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE type = CKK_AES;
  CK_ULONG len = 32;
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  std::vector<CK_ATTRIBUTE> tmpl{{CKA_CLASS, &cls, sizeof cls},
                                 {CKA_KEY_TYPE, &type, sizeof type},
                                 {CKA_VALUE_LEN, &len, sizeof len},
                                 {CKA_TOKEN, &yes, sizeof yes},
                                 {CKA_PRIVATE, &yes, sizeof yes},
                                 {CKA_SENSITIVE, &yes, sizeof yes},
                                 {CKA_EXTRACTABLE, &no, sizeof no},
                                 {CKA_ENCRYPT, &yes, sizeof yes},
                                 {CKA_DECRYPT, &yes, sizeof yes},
                                 {CKA_LABEL, const_cast<char*>(uri.object.data()), uri.object.size()}};
  if (!uri.id.empty()) tmpl.push_back({CKA_ID, const_cast<uint8_t*>(uri.id.data()), uri.id.size()});
  CK_MECHANISM mechanism{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  const CK_RV rv = m.f->C_GenerateKey(s, &mechanism, tmpl.data(), tmpl.size(), &key);
  if (rv != CKR_OK) return p11_error("PKCS#11 C_GenerateKey (AES-256 master key)", rv);
  return key;
}

}  // namespace

Result<std::unique_ptr<MasterKey>> open_pkcs11_master_key(std::string_view text, bool create, bool* created) {
  if (created) *created = false;
  KD_ASSIGN_OR_RETURN(Pkcs11Uri uri, Pkcs11Uri::parse(text));
  KD_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, Module::load(uri.module_path));
  KD_ASSIGN_OR_RETURN(CK_SLOT_ID slot, find_token(*module, uri.token));
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_RV rv = module->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session);
  if (rv != CKR_OK) return p11_error("PKCS#11 C_OpenSession", rv);
  auto close = [&](Error e) -> Error {
    module->f->C_CloseSession(session);
    return e;
  };
  auto pin = uri.pin();
  if (!pin.ok()) return close(pin.error());
  rv = module->f->C_Login(session, CKU_USER, const_cast<CK_UTF8CHAR_PTR>(pin->bytes().data()), pin->size());
  // One attempt only: a wrong PIN is reported, never retried (the token counts failures).
  if (rv == CKR_PIN_INCORRECT)
    return close(Error::make(ErrorKind::kRefused, "PKCS#11 token \"" + uri.token + "\": wrong user PIN"));
  if (rv == CKR_PIN_LOCKED)
    return close(Error::make(ErrorKind::kRefused, "PKCS#11 token \"" + uri.token + "\": user PIN locked"));
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return close(p11_error("PKCS#11 C_Login", rv));
  auto keys = find_keys(*module, session, uri);
  if (!keys.ok()) return close(keys.error());
  if (keys->size() > 1)
    return close(Error::make(ErrorKind::kUsage, "PKCS#11 token \"" + uri.token +
                                                    "\" has several keys labelled \"" + uri.object +
                                                    "\": add id= to the URI"));
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  if (keys->empty()) {
    if (!create)
      return close(Error::make(ErrorKind::kNotFound,
                               "master key \"" + uri.object + "\" on PKCS#11 token \"" + uri.token + "\""));
    auto generated = generate_key(*module, session, uri);
    if (!generated.ok()) return close(generated.error());
    key = *generated;
    if (created) *created = true;
  } else {
    key = keys->front();
  }
  return std::unique_ptr<MasterKey>(std::make_unique<Pkcs11MasterKey>(module, session, key, uri.reference()));
}

}  // namespace keydesk::store
