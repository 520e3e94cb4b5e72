// Running the real tools the store tests hold keydesk to (sqlite3, psql, initdb, softhsm2-util) and the
// store_worker processes.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace keydesk::store::testing {

struct ProcessResult {
  int exit_code = -1;  // -1: could not start or killed by a signal
  std::string output;  // stdout and stderr together
};

// Runs argv[0] (searched on PATH) with `env` added to the environment, waits for it.
ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
// Starts it and returns at once; its stdout and stderr go to `output_path`.
pid_t start_process(const std::vector<std::string>& argv, const std::string& output_path);
int wait_process(pid_t pid);  // exit code, -1 on a signal

}  // namespace keydesk::store::testing
