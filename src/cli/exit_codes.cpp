#include "cli/exit_codes.h"

namespace keydesk::cli {

ExitCode exit_code_for(report::Outcome outcome) {
  switch (outcome) {
    case report::Outcome::kSuccess:
      return ExitCode::kSuccess;
    case report::Outcome::kDeviceError:
      return ExitCode::kDeviceError;
    case report::Outcome::kUsage:
      return ExitCode::kUsage;
    case report::Outcome::kRefused:
      return ExitCode::kRefused;
    case report::Outcome::kNoToken:
      return ExitCode::kNoToken;
    case report::Outcome::kWrongPin:
      return ExitCode::kWrongPin;
    case report::Outcome::kBlocked:
      return ExitCode::kBlocked;
    case report::Outcome::kTimeout:
      return ExitCode::kTimeout;
    case report::Outcome::kIntegrity:
      return ExitCode::kIntegrity;
  }
  return ExitCode::kDeviceError;
}

}  // namespace keydesk::cli
