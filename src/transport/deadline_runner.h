// Blocking calls with a deadline. pcsc-lite has no timeout for SCardTransmit (its client waits in
// poll(-1) on pcscd's socket, and pcscd waits in the reader driver for as long as the card or reader
// takes), and SCardCancel only cancels SCardGetStatusChange. So a link runs its blocking calls on a
// thread of its own and waits for each at most the deadline. When one overruns, the runner is
// abandoned: the caller gets kTimeout at once, now and for every later call, and the stuck thread is
// left behind with everything its call uses (it owns those through the job); if the call ever
// returns, that thread releases them and ends. A long-running program therefore keeps serving other
// tokens while one is frozen; the frozen one costs a thread and a pcscd connection until it answers
// or goes away.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"

namespace keydesk::transport {

// Generous for real cards: on-card RSA key generation takes seconds (docs/cli.md, --timeout).
inline constexpr std::chrono::milliseconds kDefaultDeadline{30000};

class DeadlineRunner {
 public:
  explicit DeadlineRunner(std::chrono::milliseconds deadline);
  ~DeadlineRunner();
  DeadlineRunner(const DeadlineRunner&) = delete;
  DeadlineRunner& operator=(const DeadlineRunner&) = delete;

  // Runs `job` on the runner's thread. kTimeout (context: `what` and the deadline) when it did not
  // finish in time, or when an earlier call had already overrun. `job` must own (capture by value)
  // everything it touches: after a timeout it outlives the caller's frame.
  Status run(std::function<void()> job, const std::string& what);
  bool abandoned() const { return abandoned_; }
  std::chrono::milliseconds deadline() const { return deadline_; }

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  std::chrono::milliseconds deadline_;
  bool abandoned_ = false;
};

// The kTimeout error every link reports: what was being done and after how long.
Error timeout_error(const std::string& what, std::chrono::milliseconds deadline);

}  // namespace keydesk::transport
