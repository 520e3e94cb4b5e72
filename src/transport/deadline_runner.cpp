#include "transport/deadline_runner.h"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace keydesk::transport {

struct DeadlineRunner::Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::function<void()>> job;
  uint64_t started = 0, finished = 0;
  bool stop = false;

  void serve() {
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return stop || job.has_value(); });
      if (!job) return;  // stop, and nothing left to run
      std::function<void()> current = std::move(*job);
      job.reset();
      lock.unlock();
      current();
      current = nullptr;  // what the job owned is released here, on this thread
      lock.lock();
      ++finished;
      cv.notify_all();
    }
  }
};

Error timeout_error(const std::string& what, std::chrono::milliseconds deadline) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(deadline.count()) / 1000.0);
  return Error::make(ErrorKind::kTimeout, what + ": no answer within " + seconds + " s");
}

DeadlineRunner::DeadlineRunner(std::chrono::milliseconds deadline)
    : shared_(std::make_shared<Shared>()), deadline_(deadline) {
  std::thread([shared = shared_] { shared->serve(); }).detach();
}

DeadlineRunner::~DeadlineRunner() {
  // An idle thread ends at once; a stuck one ends whenever its call returns (it holds `shared`).
  std::lock_guard lock(shared_->mu);
  shared_->stop = true;
  shared_->cv.notify_all();
}

Status DeadlineRunner::run(std::function<void()> job, const std::string& what) {
  if (abandoned_) return timeout_error(what + " (the token stopped answering earlier)", deadline_);
  std::unique_lock lock(shared_->mu);
  const uint64_t ticket = ++shared_->started;
  shared_->job = std::move(job);
  shared_->cv.notify_all();
  if (shared_->cv.wait_for(lock, deadline_, [&] { return shared_->finished >= ticket; })) return {};
  abandoned_ = true;
  return timeout_error(what, deadline_);
}

}  // namespace keydesk::transport
