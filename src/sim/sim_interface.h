// One way keydesk-sim's token is reached (the vpcd link, the control channel, the CTAPHID socket). main()
// starts each interface it was asked for, then stops them in reverse order on SIGTERM/SIGINT.
#pragma once

#include <string>

#include "core/result.h"

namespace keydesk::sim {

class SimInterface {
 public:
  virtual ~SimInterface() = default;
  // Starts serving in the background. An error means the interface cannot work at all (bad socket path);
  // a peer that is not there yet (pcscd) is not an error, the interface keeps trying.
  virtual Status start() = 0;
  virtual void stop() = 0;
  virtual std::string name() const = 0;
};

}  // namespace keydesk::sim
