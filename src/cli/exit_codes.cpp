#include "cli/exit_codes.h"

namespace keydesk::cli {

ExitCode exit_code_for(const Error& error) {
  switch (error.kind) {
    case ErrorKind::kNone:
      return ExitCode::kSuccess;
    case ErrorKind::kUsage:
      return ExitCode::kUsage;
    case ErrorKind::kRefused:
      return ExitCode::kRefused;
    case ErrorKind::kTimeout:
      return ExitCode::kTimeout;
    case ErrorKind::kIntegrity:
      return ExitCode::kIntegrity;
    case ErrorKind::kNoReader:
    case ErrorKind::kNoToken:
    case ErrorKind::kTokenRemoved:
      return ExitCode::kNoToken;
    case ErrorKind::kStatusWord:
      if (error.code == 0x6983 || error.code == 0x63C0) return ExitCode::kBlocked;
      if ((error.code & 0xFFF0) == 0x63C0) return ExitCode::kWrongPin;
      return ExitCode::kDeviceError;
    case ErrorKind::kCtap:
      if (error.code == 0x31) return ExitCode::kWrongPin;
      if (error.code == 0x32 || error.code == 0x34) return ExitCode::kBlocked;
      return ExitCode::kDeviceError;
    default:
      return ExitCode::kDeviceError;
  }
}

}  // namespace keydesk::cli
