#include "cli/secret_reader.h"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace keydesk::cli {
namespace {

// Turns terminal echo off for its lifetime; restores it even when reading fails.
class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

}  // namespace

Result<std::string> SecretReader::prompt_line(std::string_view prompt) {
  std::string line;
  if (interactive_) {
    std::cerr << prompt << ": " << std::flush;
    EchoOff quiet;
    std::getline(input_, line);
    std::cerr << "\n";
  } else {
    std::getline(input_, line);
  }
  if (!input_ && line.empty())
    return Error::make(ErrorKind::kUsage, std::string(prompt) + ": nothing to read on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> SecretReader::read_line(std::string_view prompt) {
  if (interactive_) std::cerr << prompt << ": " << std::flush;
  std::string line;
  if (!std::getline(input_, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<std::string> SecretReader::read(const std::optional<std::string>& spec, std::string_view prompt) {
  if (!spec || *spec == "-") return prompt_line(prompt);
  if (spec->starts_with("env:")) {
    const std::string name = spec->substr(4);
    const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
    if (!value)
      return Error::make(ErrorKind::kUsage,
                         std::string(prompt) + ": environment variable " + name + " is not set");
    return std::string(value);
  }
  return *spec;
}

}  // namespace keydesk::cli
