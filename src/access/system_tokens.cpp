#include "access/system_tokens.h"

#include <fido.h>
#include <unistd.h>

#include <filesystem>

#include "transport/deadline_runner.h"
#include "transport/pcsc_transport.h"

namespace keydesk::access {
namespace {

class SystemTokenSource final : public TokenSource {
 public:
  Result<std::vector<TokenInfo>> list() override {
    // pcscd answers listing from its own tables, but it is a peer like any other: the listing runs with
    // the same deadline as every call to a token.
    struct Listing {
      Result<std::vector<transport::ReaderStatus>> readers = std::vector<transport::ReaderStatus>{};
      std::optional<Error> no_service;
    };
    auto listing = std::make_shared<Listing>();
    transport::DeadlineRunner runner(deadline_);
    KD_TRY(runner.run(
        [listing] {
          auto context = transport::PcscContext::establish();
          if (!context) {
            listing->no_service = context.error();
            return;
          }
          listing->readers = context->list_readers();
        },
        "list the readers (pcscd)"));
    if (!listing->readers) return listing->readers.error();
    std::vector<transport::ReaderStatus> readers = std::move(listing->readers).value();
    fido_problem_.clear();
    auto fido = list_fido_devices(fido_problem_);
    // Without pcscd a FIDO-only key is still a token; with neither, say why there is nothing.
    if (listing->no_service && fido.empty()) return *listing->no_service;
    return merge_tokens(readers, fido);
  }

  Result<std::unique_ptr<transport::ApduTransport>> open_card(const TokenInfo& token) override {
    auto link = transport::PcscTransport::connect(token.reader, deadline_);
    if (!link) return link.error();
    return std::unique_ptr<transport::ApduTransport>(std::move(link).value());
  }

  std::string fido_problem() const override { return fido_problem_; }
  void set_deadline(std::chrono::milliseconds deadline) override { deadline_ = deadline; }

 private:
  std::chrono::milliseconds deadline_ = transport::kDefaultDeadline;
  std::string fido_problem_;
};

// Why hidraw devices may be invisible to libfido2, in words: none at all, or not readable by this user.
std::string hidraw_problem() {
  std::error_code ec;
  std::vector<std::string> unreadable;
  bool any = false;
  for (const auto& entry : std::filesystem::directory_iterator("/dev", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("hidraw")) continue;
    any = true;
    if (::access(entry.path().c_str(), R_OK | W_OK) != 0) unreadable.push_back(entry.path().string());
  }
  if (!any) return "no USB HID devices on this machine (no /dev/hidraw*): FIDO over USB is unreachable here";
  if (unreadable.empty()) return {};
  std::string list;
  for (const auto& u : unreadable) list += (list.empty() ? "" : ", ") + u;
  return "permission denied on " + list +
         ": run elevated or add a udev rule for the key (FIDO needs hidraw access)";
}

}  // namespace

std::unique_ptr<TokenSource> make_system_token_source() {
  return std::make_unique<SystemTokenSource>();
}

std::vector<FidoDevice> list_fido_devices(std::string& problem) {
  constexpr size_t kMax = 64;
  problem = hidraw_problem();
  fido_init(FIDO_DISABLE_U2F_FALLBACK);  // the same flags as host/fido sessions (fido_init is global)
  fido_dev_info_t* list = fido_dev_info_new(kMax);
  size_t found = 0;
  std::vector<FidoDevice> devices;
  if (list && fido_dev_info_manifest(list, kMax, &found) == FIDO_OK) {
    for (size_t i = 0; i < found; ++i) {
      const fido_dev_info_t* d = fido_dev_info_ptr(list, i);
      const char* product = fido_dev_info_product_string(d);
      devices.push_back({fido_dev_info_path(d), product ? product : ""});
    }
  }
  fido_dev_info_free(&list, kMax);
  return devices;
}

}  // namespace keydesk::access
