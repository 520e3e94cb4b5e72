// The vpcd wire format (src/sim/vpcd_codec.h) as keydesk-sim reads it from the socket: a byte stream in
// arbitrary pieces. The input is split where its own bytes say (each piece's length is the next byte), so
// frames cross piece boundaries. Invariants: every payload the reader returns is exactly what its 2-byte
// length announced and is re-framed to the same bytes; the reader keeps exactly the bytes not yet returned; classify() never calls a message of one byte an APDU, nor one of two
// or more anything else.
#include <cstdlib>

#include "sim/vpcd_codec.h"

using namespace keydesk;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sim::VpcdFrameReader reader;
  Bytes stream;  // everything fed so far, to check payloads against
  size_t consumed = 0;
  size_t offset = 0;
  while (offset < size) {
    const ByteView bytes(data + offset, std::min(size - offset, size_t{data[offset]} + 1));
    offset += bytes.size();
    reader.feed(bytes);
    append(stream, bytes);
    while (auto payload = reader.next()) {
      if (stream.size() < consumed + 2) std::abort();
      const size_t announced = (size_t{stream[consumed]} << 8) | stream[consumed + 1];
      if (payload->size() != announced) std::abort();
      if (!std::equal(payload->begin(), payload->end(), stream.begin() + long(consumed) + 2)) std::abort();
      auto framed = sim::frame_vpcd_message(*payload);
      if (!framed || !std::equal(framed->begin(), framed->end(), stream.begin() + long(consumed))) std::abort();
      consumed += 2 + announced;
      const sim::VpcdRequest request = sim::classify_vpcd_payload(*payload);
      if (payload->size() >= 2 && request.kind != sim::VpcdRequestKind::kApdu) std::abort();
      if (payload->size() < 2 && request.kind == sim::VpcdRequestKind::kApdu) std::abort();
      if (request.kind == sim::VpcdRequestKind::kApdu && request.apdu != *payload) std::abort();
    }
    if (reader.buffered() != stream.size() - consumed) std::abort();
  }
  return 0;
}
