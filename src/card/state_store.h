// Where a Card keeps its state document between commands: the seam under the card's write-before-respond
// rule (card/card.h). The card answers a command that changed state only after replace() returned ok, so
// a store must not return ok before the new document would survive a power loss; on failure the old
// document must still stand. FileStateStore is the real one (keydesk-sim's --state file); tests put a
// simulated disk here that fails writes or loses unsynced ones (tests/unit/fixtures/faulty_state_store.h).
#pragma once

#include <string>

#include "core/result.h"

namespace keydesk::card {

class StateStore {
 public:
  virtual ~StateStore() = default;
  // Durably replaces the stored document with `document`.
  virtual Status replace(const std::string& document) = 0;
  // Where the state lives, for messages and for keydesk-sim's log (a path, or a description).
  virtual std::string location() const = 0;
};

// A state file written by write_file_atomically (card/state_file.h): temporary file, fsync, rename over
// the old file, fsync of the directory, so a kill -9 or power loss at any instant leaves the old or the
// new document, never a torn one.
class FileStateStore final : public StateStore {
 public:
  explicit FileStateStore(std::string path) : path_(std::move(path)) {}
  Status replace(const std::string& document) override;
  std::string location() const override { return path_; }

 private:
  std::string path_;
};

}  // namespace keydesk::card
