#include "runbook/identity_probe.h"

#include "iso7816/cplc.h"

namespace keydesk::runbook {

Result<std::string> read_cuid(host::ApduConnection& connection) {
  auto r = connection.send(iso7816::CommandApdu::make(0x80, 0xCA, 0x9F, 0x7F, {}, 256));
  if (!r) return r.error();
  if (!r->sw.ok())
    return Error::make(ErrorKind::kNotSupported, "the token has no CPLC data (no CUID)", r->sw.value);
  auto cplc = iso7816::parse_cplc(r->data);
  if (!cplc) return cplc.error();
  return cplc->cuid_hex();
}

}  // namespace keydesk::runbook
