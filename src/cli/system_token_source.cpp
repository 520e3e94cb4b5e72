#include "cli/system_token_source.h"

#include "cli/fido_link.h"
#include "transport/deadline_runner.h"
#include "transport/pcsc_transport.h"

namespace keydesk::cli {
namespace {

class SystemTokenSource final : public host::TokenSource {
 public:
  Result<std::vector<host::TokenInfo>> list() override {
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
    return host::merge_tokens(readers, fido);
  }

  Result<std::unique_ptr<transport::ApduTransport>> open_card(const host::TokenInfo& token) override {
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

}  // namespace

std::unique_ptr<host::TokenSource> make_system_token_source() {
  return std::make_unique<SystemTokenSource>();
}

}  // namespace keydesk::cli
