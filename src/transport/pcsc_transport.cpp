#include "transport/pcsc_transport.h"

#include <winscard.h>

#include <optional>

#include "core/text.h"

namespace keydesk::transport {
namespace {
// Extended APDUs: up to 65536 data bytes plus SW1 SW2.
constexpr size_t kMaxResponse = 65536 + 2;
// After a transmit failed at the transport level, how long to wait for pcscd to see the card gone. pcscd
// polls readers without card-event interrupts (vpcd among them) every 400 ms.
constexpr std::chrono::milliseconds kRemovalSettle{1000};

const SCARD_IO_REQUEST* pci_for(DWORD protocol) {
  return protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
}
}  // namespace

// Everything a PC/SC call touches. The runner's jobs hold it by shared_ptr: after a timeout the stuck call
// keeps it alive, and whichever side lets go last disconnects and releases the context.
struct PcscTransport::Handle {
  std::optional<PcscContext> context;
  SCARDHANDLE card = 0;
  DWORD active_protocol = 0;
  bool in_transaction = false;

  ~Handle() {
    if (card != 0) {
      if (in_transaction) SCardEndTransaction(card, SCARD_LEAVE_CARD);
      SCardDisconnect(card, SCARD_LEAVE_CARD);
    }
  }
};

PcscTransport::PcscTransport(std::string reader, std::chrono::milliseconds deadline)
    : reader_(std::move(reader)), runner_(deadline), handle_(std::make_shared<Handle>()) {}

Result<std::unique_ptr<PcscTransport>> PcscTransport::connect(const std::string& reader,
                                                              std::chrono::milliseconds deadline) {
  std::unique_ptr<PcscTransport> transport(new PcscTransport(reader, deadline));
  auto result = std::make_shared<Status>();
  KD_TRY(transport->runner_.run(
      [h = transport->handle_, reader, result] {
        auto context = PcscContext::establish();
        if (!context) {
          *result = context.error();
          return;
        }
        h->context.emplace(std::move(context).value());
        const auto ctx = static_cast<SCARDCONTEXT>(h->context->handle());
        SCARDHANDLE card = 0;
        DWORD protocol = 0;
        // T=1 first: every client this toolkit stands beside (yubico-piv-tool) uses T=1; T=0 only when the
        // card offers nothing else.
        LONG rv = SCardConnect(ctx, reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &protocol);
        if (rv == SCARD_E_PROTO_MISMATCH)
          rv = SCardConnect(ctx, reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, &card, &protocol);
        if (rv != SCARD_S_SUCCESS) {
          *result = pcsc_error(rv, "connect to the token", reader);
          return;
        }
        h->card = card;
        h->active_protocol = protocol;
      },
      "connect to the token (reader " + quoted_text(reader) + ")"));
  KD_TRY(*result);
  transport->protocol_ = transport->handle_->active_protocol == SCARD_PROTOCOL_T0 ? 0 : 1;
  KD_TRY(transport->read_atr());
  return transport;
}

PcscTransport::~PcscTransport() {
  // Disconnecting talks to pcscd too: it runs on the runner's thread (and is skipped when the link was
  // abandoned: the stuck call's job releases the handle when it returns).
  if (!runner_.abandoned())
    (void)runner_.run([h = std::move(handle_)]() mutable { h.reset(); }, "disconnect");
}

Status PcscTransport::read_atr() {
  struct Out {
    LONG rv = SCARD_S_SUCCESS;
    BYTE atr[MAX_ATR_SIZE];
    DWORD atr_len = MAX_ATR_SIZE;
  };
  auto out = std::make_shared<Out>();
  KD_TRY(runner_.run(
      [h = handle_, out] {
        DWORD state = 0, protocol = 0, name_len = 0;
        out->rv = SCardStatus(h->card, nullptr, &name_len, &state, &protocol, out->atr, &out->atr_len);
      },
      "read the ATR" + where()));
  if (out->rv != SCARD_S_SUCCESS) return pcsc_error(out->rv, "read the ATR", reader_);
  atr_.assign(out->atr, out->atr + out->atr_len);
  return {};
}

Error PcscTransport::classify_failure(long code, std::string_view operation) {
  Error error = pcsc_error(code, operation, reader_);
  if (error.kind != ErrorKind::kTransport && error.kind != ErrorKind::kNoToken) return error;
  // A card pulled during a command fails that command with a communication error (SCARD_E_NOT_TRANSACTED
  // and the like); only later calls say SCARD_W_REMOVED_CARD. Ask the reader, giving pcscd a moment to
  // notice, so the command in flight is reported as what it was: a removal.
  auto absent = std::make_shared<bool>(false);
  const std::string reader = reader_;
  const Status asked = runner_.run(
      [h = handle_, reader, absent] {
        SCARD_READERSTATE state{};
        state.szReader = reader.c_str();
        state.dwCurrentState = SCARD_STATE_UNAWARE;
        const auto ctx = static_cast<SCARDCONTEXT>(h->context->handle());
        if (SCardGetStatusChange(ctx, 0, &state, 1) != SCARD_S_SUCCESS) return;
        if (state.dwEventState & SCARD_STATE_EMPTY) {
          *absent = true;
          return;
        }
        state.dwCurrentState = state.dwEventState & ~SCARD_STATE_CHANGED;
        const LONG rv = SCardGetStatusChange(ctx, static_cast<DWORD>(kRemovalSettle.count()), &state, 1);
        *absent = rv == SCARD_S_SUCCESS && (state.dwEventState & SCARD_STATE_EMPTY) != 0;
      },
      "read the reader state" + where());
  if (!asked) return asked.error();
  if (*absent)
    return Error::make(ErrorKind::kTokenRemoved,
                       std::string(operation) + where() + ": the token was pulled out during the command",
                       static_cast<uint32_t>(code));
  return error;
}

std::string PcscTransport::where() const {
  return " (reader " + quoted_text(reader_) + ")";
}

Result<Bytes> PcscTransport::transmit(ByteView command) {
  struct Io {
    Bytes command;
    Bytes response = Bytes(kMaxResponse);
    DWORD length = kMaxResponse;
    LONG rv = SCARD_S_SUCCESS;
  };
  auto io = std::make_shared<Io>();
  io->command.assign(command.begin(), command.end());
  KD_TRY(runner_.run(
      [h = handle_, io] {
        io->rv =
            SCardTransmit(h->card, pci_for(h->active_protocol), io->command.data(),
                          static_cast<DWORD>(io->command.size()), nullptr, io->response.data(), &io->length);
      },
      "transmit" + where()));
  if (io->rv != SCARD_S_SUCCESS) return classify_failure(io->rv, "transmit");
  // No status word: the reader lost the card mid-command (vpcd answers an empty response when its card
  // connection drops), not a malformed answer from a card.
  if (io->length < 2) return classify_failure(SCARD_F_COMM_ERROR, "transmit");
  io->response.resize(io->length);
  return std::move(io->response);
}

Status PcscTransport::begin_transaction() {
  auto rv = std::make_shared<LONG>(SCARD_S_SUCCESS);
  KD_TRY(runner_.run(
      [h = handle_, rv] {
        *rv = SCardBeginTransaction(h->card);
        if (*rv == SCARD_S_SUCCESS) h->in_transaction = true;
      },
      "begin a transaction" + where()));
  if (*rv != SCARD_S_SUCCESS) return pcsc_error(*rv, "begin a transaction", reader_);
  return {};
}

void PcscTransport::end_transaction() {
  (void)runner_.run(
      [h = handle_] {
        if (!h->in_transaction) return;
        SCardEndTransaction(h->card, SCARD_LEAVE_CARD);
        h->in_transaction = false;
      },
      "end the transaction" + where());
}

Status PcscTransport::reconnect(bool reset_card) {
  auto rv = std::make_shared<LONG>(SCARD_S_SUCCESS);
  KD_TRY(runner_.run(
      [h = handle_, rv, reset_card] {
        DWORD protocol = 0;
        *rv = SCardReconnect(h->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0,
                             reset_card ? SCARD_RESET_CARD : SCARD_LEAVE_CARD, &protocol);
        if (*rv == SCARD_S_SUCCESS) {
          h->active_protocol = protocol;
          h->in_transaction = false;
        }
      },
      "reconnect to the token" + where()));
  if (*rv != SCARD_S_SUCCESS) return pcsc_error(*rv, "reconnect to the token", reader_);
  protocol_ = handle_->active_protocol == SCARD_PROTOCOL_T0 ? 0 : 1;
  return read_atr();
}

}  // namespace keydesk::transport
