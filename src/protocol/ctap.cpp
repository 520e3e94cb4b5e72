#include "protocol/ctap.h"

#include "cbor/cbor.h"

namespace keydesk::protocol::ctap {
namespace {

// The parameters as one strict CBOR map (cbor.h: canonical, no trailing bytes), or nullopt.
std::optional<cbor::Value> parameters(ByteView request) {
  cbor::Value v;
  if (cbor::decode(request.subspan(1), v) != cbor::DecodeStatus::kOk || !v.is_map()) return std::nullopt;
  return v;
}

const Request* find(Command command, int subcommand) {
  for (const Request& r : kRequests)
    if (r.command == command && r.subcommand == subcommand) return &r;
  return nullptr;
}

}  // namespace

const Request* find_request(ByteView request) {
  if (request.empty()) return nullptr;
  const auto command = static_cast<Command>(request[0]);
  if (command == Command::kGetInfo) return request.size() == 1 ? find(command, -1) : nullptr;
  const auto params = parameters(request);
  if (!params) return nullptr;
  if (command != Command::kClientPin) return find(command, -1);
  const cbor::Value* sub = params->find(kClientPinSubCommandKey);
  if (!sub || !sub->is_unsigned() || sub->as_unsigned() > 0xFF) return nullptr;
  return find(command, static_cast<int>(sub->as_unsigned()));
}

bool is_read_only(const Request& request) {
  return request.effect == InstructionEffect::kReads && !request.user_presence && !request.secret &&
         !request.response_secret;
}

bool request_secret(ByteView request) {
  const Request* row = find_request(request);
  return row == nullptr || row->secret;
}

bool response_secret(ByteView request) {
  if (const Request* row = find_request(request)) return row->response_secret;
  if (request.empty()) return false;
  for (const Request& r : kRequests)
    if (static_cast<uint8_t>(r.command) == request[0] && r.response_secret) return true;
  return false;
}

}  // namespace keydesk::protocol::ctap
