#include "transport/pcsc_transport.h"

#include <winscard.h>

namespace keydesk::transport {
namespace {
// Extended APDUs: up to 65536 data bytes plus SW1 SW2.
constexpr size_t kMaxResponse = 65536 + 2;
}  // namespace

Result<std::unique_ptr<PcscTransport>> PcscTransport::connect(std::shared_ptr<const PcscContext> context,
                                                              const std::string& reader) {
  std::unique_ptr<PcscTransport> transport(new PcscTransport(std::move(context), reader));
  SCARDHANDLE card = 0;
  DWORD protocol = 0;
  const auto ctx = static_cast<SCARDCONTEXT>(transport->context_->handle());
  // T=1 first: every client this toolkit stands beside (yubico-piv-tool) uses T=1; T=0 only when the card
  // offers nothing else.
  LONG rv = SCardConnect(ctx, reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &protocol);
  if (rv == SCARD_E_PROTO_MISMATCH)
    rv = SCardConnect(ctx, reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, &card, &protocol);
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "connect to the token", reader);
  transport->card_ = static_cast<intptr_t>(card);
  transport->active_protocol_ = protocol;
  transport->protocol_ = protocol == SCARD_PROTOCOL_T0 ? 0 : 1;
  KD_TRY(transport->read_atr());
  return transport;
}

PcscTransport::~PcscTransport() {
  if (in_transaction_) end_transaction();
  SCardDisconnect(static_cast<SCARDHANDLE>(card_), SCARD_LEAVE_CARD);
}

Status PcscTransport::read_atr() {
  BYTE atr[MAX_ATR_SIZE];
  DWORD atr_len = sizeof atr;
  DWORD state = 0;
  DWORD protocol = 0;
  DWORD name_len = 0;
  const LONG rv =
      SCardStatus(static_cast<SCARDHANDLE>(card_), nullptr, &name_len, &state, &protocol, atr, &atr_len);
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "read the ATR", reader_);
  atr_.assign(atr, atr + atr_len);
  return {};
}

Result<Bytes> PcscTransport::transmit(ByteView command) {
  const SCARD_IO_REQUEST* pci = active_protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  Bytes response(kMaxResponse);
  DWORD length = static_cast<DWORD>(response.size());
  const LONG rv = SCardTransmit(static_cast<SCARDHANDLE>(card_), pci, command.data(),
                                static_cast<DWORD>(command.size()), nullptr, response.data(), &length);
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "transmit", reader_);
  response.resize(length);
  return response;
}

Status PcscTransport::begin_transaction() {
  const LONG rv = SCardBeginTransaction(static_cast<SCARDHANDLE>(card_));
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "begin a transaction", reader_);
  in_transaction_ = true;
  return {};
}

void PcscTransport::end_transaction() {
  SCardEndTransaction(static_cast<SCARDHANDLE>(card_), SCARD_LEAVE_CARD);
  in_transaction_ = false;
}

Status PcscTransport::reconnect(bool reset_card) {
  DWORD protocol = 0;
  const LONG rv = SCardReconnect(static_cast<SCARDHANDLE>(card_), SCARD_SHARE_SHARED,
                                 SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0,
                                 reset_card ? SCARD_RESET_CARD : SCARD_LEAVE_CARD, &protocol);
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "reconnect to the token", reader_);
  active_protocol_ = protocol;
  protocol_ = protocol == SCARD_PROTOCOL_T0 ? 0 : 1;
  in_transaction_ = false;
  return read_atr();
}

}  // namespace keydesk::transport
