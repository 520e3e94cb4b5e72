#include "transport/readonly_guard.h"

#include <optional>
#include <string>
#include <string_view>

#include "iso7816/apdu.h"
#include "protocol/ctap.h"

namespace keydesk::transport {

using iso7816::CommandApdu;

Status admit_read_only_ctap(ByteView request) {
  auto refuse = [](std::string_view what) {
    return Error::make(ErrorKind::kRefused, std::string("read-only guard refused CTAP ").append(what));
  };
  if (request.empty()) return refuse("empty request");
  const protocol::ctap::Request* row = protocol::ctap::find_request(request);
  if (!row) return refuse("request that no read-only row describes (unknown, malformed or with parameters)");
  if (protocol::ctap::is_read_only(*row)) return {};
  std::string why = std::string(row->name) + ": " + protocol::instruction_effect_name(row->effect);
  if (row->secret) why += ", carries a secret";
  if (row->user_presence) why += ", asks for a touch";
  return refuse(why);
}

std::optional<std::string> ReadOnlyGuard::refusal(ByteView raw) const {
  auto parsed = iso7816::parse_command(raw);
  if (!parsed) return "malformed APDU";
  const CommandApdu& c = *parsed;
  if (c.chained()) return "chained command (read-only commands never need chaining)";
  const protocol::Instruction* row = protocol::find_instruction(selected(), c);
  if (!row) return "instruction not on the read-only allowlist of the selected applet";
  const std::string name(row->name);
  switch (row->carries) {
    case protocol::Carries::kCtap2Request:
      if (Status admitted = admit_read_only_ctap(c.data); !admitted) return admitted.error().context;
      return std::nullopt;
    case protocol::Carries::kCtap1Message:
      return name + ": a U2F message (CTAP1 registers keys and advances the signature counter)";
    case protocol::Carries::kNothing:
      break;
  }
  if (row->effect != protocol::InstructionEffect::kReads)
    return name + " " + protocol::instruction_effect_name(row->effect);
  if (row->data_secret || row->response_secret) return name + " carries a secret";
  return std::nullopt;
}

Result<Bytes> ReadOnlyGuard::transmit(ByteView command) {
  if (const auto why = refusal(command)) {
    ++refused_;
    return Error::make(ErrorKind::kRefused, std::string("read-only guard (") +
                                                guarded_applet_name(selected()) + " selected): " + *why);
  }
  auto response = inner_.transmit(command);
  if (response) selection_.observe(command, *response);
  return response;
}

}  // namespace keydesk::transport
