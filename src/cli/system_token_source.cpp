#include "cli/system_token_source.h"

#include "cli/fido_link.h"
#include "transport/pcsc_transport.h"

namespace keydesk::cli {
namespace {

class SystemTokenSource final : public host::TokenSource {
 public:
  Result<std::vector<host::TokenInfo>> list() override {
    std::vector<transport::ReaderStatus> readers;
    auto context = pcsc();
    if (context) {
      auto listed = (*context)->list_readers();
      if (!listed) return listed.error();
      readers = std::move(listed).value();
    }
    fido_problem_.clear();
    auto fido = list_fido_devices(fido_problem_);
    // Without pcscd a FIDO-only key is still a token; with neither, say why there is nothing.
    if (!context && fido.empty()) return context.error();
    return host::merge_tokens(readers, fido);
  }

  Result<std::unique_ptr<transport::ApduTransport>> open_card(const host::TokenInfo& token) override {
    auto context = pcsc();
    if (!context) return context.error();
    auto link = transport::PcscTransport::connect(*context, token.reader);
    if (!link) return link.error();
    return std::unique_ptr<transport::ApduTransport>(std::move(link).value());
  }

  std::string fido_problem() const override { return fido_problem_; }

 private:
  Result<std::shared_ptr<const transport::PcscContext>> pcsc() {
    if (!context_) {
      auto established = transport::PcscContext::establish();
      if (!established) return established.error();
      context_ = std::make_shared<const transport::PcscContext>(std::move(established).value());
    }
    return context_;
  }

  std::shared_ptr<const transport::PcscContext> context_;
  std::string fido_problem_;
};

}  // namespace

std::unique_ptr<host::TokenSource> make_system_token_source() {
  return std::make_unique<SystemTokenSource>();
}

}  // namespace keydesk::cli
