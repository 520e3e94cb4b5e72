#include "host/verify_result.h"

namespace keydesk::host {

Result<VerifyResult> verify_result_from_sw(StatusWord sw, const char* context) {
  if (sw.ok()) return VerifyResult{VerifyResult::Kind::kOk, -1, sw};
  if (sw.is_retry_counter())
    return VerifyResult{sw.retries() == 0 ? VerifyResult::Kind::kBlocked : VerifyResult::Kind::kWrong,
                        sw.retries(), sw};
  if (sw == iso7816::sw::kAuthBlocked) return VerifyResult{VerifyResult::Kind::kBlocked, 0, sw};
  if (sw == iso7816::sw::kReferenceNotFound || sw == iso7816::sw::kDataInvalid)
    return VerifyResult{VerifyResult::Kind::kNotInitialized, -1, sw};
  if (sw == iso7816::sw::kIncorrectData || sw == iso7816::sw::kWrongLength)
    return VerifyResult{VerifyResult::Kind::kRejected, -1, sw};
  return Error::sw(sw.value, context);
}

}  // namespace keydesk::host
