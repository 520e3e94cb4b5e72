#include "transport/pcsc_context.h"

#include <winscard.h>

#include <utility>

#include "core/text.h"

namespace keydesk::transport {

Error pcsc_error(PcscCode code, std::string_view operation, std::string_view reader) {
  std::string context(operation);
  if (!reader.empty()) context += " (reader " + quoted_text(reader) + ")";
  context += ": ";
  context += pcsc_stringify_error(static_cast<LONG>(code));
  const auto as_code = static_cast<uint32_t>(code);
  switch (static_cast<LONG>(code)) {
    case SCARD_E_NO_READERS_AVAILABLE:
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
      return Error::make(ErrorKind::kNoReader, std::move(context), as_code);
    case SCARD_W_REMOVED_CARD:
      return Error::make(ErrorKind::kTokenRemoved, std::move(context), as_code);
    case SCARD_W_RESET_CARD:
      return Error::make(ErrorKind::kTokenReset, std::move(context), as_code);
    case SCARD_E_NO_SMARTCARD:
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
      return Error::make(ErrorKind::kNoToken, std::move(context), as_code);
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
      return Error::make(ErrorKind::kTransport, std::move(context) + " (is pcscd running?)", as_code);
    default:
      return Error::make(ErrorKind::kTransport, std::move(context), as_code);
  }
}

Result<PcscContext> PcscContext::establish() {
  SCARDCONTEXT handle = 0;
  const LONG rv = SCardEstablishContext(SCARD_SCOPE_USER, nullptr, nullptr, &handle);
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "connect to the PC/SC service");
  PcscContext context(static_cast<intptr_t>(handle));
  context.valid_ = true;
  return context;
}

PcscContext::PcscContext(PcscContext&& other) noexcept
    : handle_(std::exchange(other.handle_, 0)), valid_(std::exchange(other.valid_, false)) {}

PcscContext& PcscContext::operator=(PcscContext&& other) noexcept {
  if (this != &other) {
    if (valid_) SCardReleaseContext(static_cast<SCARDCONTEXT>(handle_));
    handle_ = std::exchange(other.handle_, 0);
    valid_ = std::exchange(other.valid_, false);
  }
  return *this;
}

PcscContext::~PcscContext() {
  if (valid_) SCardReleaseContext(static_cast<SCARDCONTEXT>(handle_));
}

Result<std::vector<ReaderStatus>> PcscContext::list_readers() const {
  const auto context = static_cast<SCARDCONTEXT>(handle_);
  DWORD size = 0;
  LONG rv = SCardListReaders(context, nullptr, nullptr, &size);
  if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<ReaderStatus>{};
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "list readers");
  std::string names(size, '\0');
  rv = SCardListReaders(context, nullptr, names.data(), &size);
  if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<ReaderStatus>{};
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "list readers");

  // A multi-string: names separated by NUL, ended by an empty name.
  std::vector<ReaderStatus> readers;
  for (size_t pos = 0; pos < names.size() && names[pos] != '\0';) {
    const size_t end = names.find('\0', pos);
    readers.push_back(ReaderStatus{names.substr(pos, end - pos), false, {}});
    pos = end + 1;
  }
  std::vector<SCARD_READERSTATE> states(readers.size());
  for (size_t i = 0; i < readers.size(); ++i) {
    states[i].szReader = readers[i].name.c_str();
    states[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  rv = SCardGetStatusChange(context, 0, states.data(), static_cast<DWORD>(states.size()));
  if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) return pcsc_error(rv, "read reader states");
  for (size_t i = 0; i < readers.size(); ++i) {
    readers[i].card_present = (states[i].dwEventState & SCARD_STATE_PRESENT) != 0 &&
                              (states[i].dwEventState & SCARD_STATE_MUTE) == 0;
    if (readers[i].card_present) readers[i].atr.assign(states[i].rgbAtr, states[i].rgbAtr + states[i].cbAtr);
  }
  return readers;
}

}  // namespace keydesk::transport
