// The PIV data objects (CHUID, CCC, certificates, printed information, pivman data, ...) by object id.
// Contents are kept with their hex form so that save() only copies strings.
#pragma once

#include <map>
#include <optional>

#include "card/applet.h"

namespace keydesk::card::piv {

class DataObjectStore {
 public:
  const Bytes* find(uint32_t id) const;
  bool contains(uint32_t id) const { return find(id) != nullptr; }
  void put(uint32_t id, Bytes content);
  void erase(uint32_t id) { objects_.erase(id); }
  void clear() { objects_.clear(); }

  json save() const;
  // {"5fc102": "hex", ...}; ids must be known PIV objects.
  Status load(const json& j);

 private:
  struct Stored {
    Bytes content;
    std::string hex;
  };
  std::map<uint32_t, Stored> objects_;
};

// The object id as a lower-case hex key ("5fc102", "7e") and back.
std::string object_key(uint32_t id);
std::optional<uint32_t> object_id_from_key(const std::string& key);

}  // namespace keydesk::card::piv
