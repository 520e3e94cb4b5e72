#include "card/state_store.h"

#include "card/state_file.h"

namespace keydesk::card {

Status FileStateStore::replace(const std::string& document) {
  return write_file_atomically(path_, document);
}

}  // namespace keydesk::card
