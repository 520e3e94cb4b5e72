// BER-TLV parsing: read_tlv must advance within bounds or fail; whatever parse_tlvs accepts must survive
// a re-encode (shortest lengths) and parse back to the same tags and values.
#include <cstdint>
#include <cstdlib>

#include "iso7816/tlv.h"

using namespace keydesk;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView input(data, size);
  size_t pos = 0;
  while (pos < size) {
    const size_t before = pos;
    auto tlv = iso7816::read_tlv(input, pos);
    if (!tlv) break;
    if (pos <= before || pos > size) std::abort();
    if (tlv->value.size() > size - before) std::abort();
  }

  auto parsed = iso7816::parse_tlvs(input);
  if (!parsed) return 0;
  Bytes encoded;
  for (const auto& t : *parsed) iso7816::append_tlv(encoded, t.tag, t.value);
  auto again = iso7816::parse_tlvs(encoded);
  if (!again || again->size() != parsed->size()) std::abort();
  for (size_t i = 0; i < parsed->size(); ++i)
    if ((*again)[i].tag != (*parsed)[i].tag || (*again)[i].value != (*parsed)[i].value) std::abort();
  return 0;
}
