#include "card/piv/data_objects.h"

#include "card/piv/piv_defs.h"

namespace keydesk::card::piv {

std::string object_key(uint32_t id) {
  Bytes b;
  for (int shift = 24; shift >= 0; shift -= 8)
    if (const auto byte = static_cast<uint8_t>(id >> shift); byte != 0 || !b.empty()) b.push_back(byte);
  return to_hex(b);
}

std::optional<uint32_t> object_id_from_key(const std::string& key) {
  const auto raw = from_hex(key);
  if (!raw || raw->empty() || raw->size() > 3) return std::nullopt;
  uint32_t id = 0;
  for (uint8_t b : *raw) id = (id << 8) | b;
  return id;
}

const Bytes* DataObjectStore::find(uint32_t id) const {
  const auto it = objects_.find(id);
  return it == objects_.end() ? nullptr : &it->second.content;
}

void DataObjectStore::put(uint32_t id, Bytes content) {
  std::string hex = to_hex(content);
  objects_[id] = Stored{std::move(content), std::move(hex)};
}

json DataObjectStore::save() const {
  json out = json::object();
  for (const auto& [id, stored] : objects_) out[object_key(id)] = stored.hex;
  return out;
}

Status DataObjectStore::load(const json& j) {
  if (!j.is_object()) return Error::make(ErrorKind::kMalformed, "piv.objects must be an object");
  std::map<uint32_t, Stored> loaded;
  for (const auto& [key, value] : j.items()) {
    const auto id = object_id_from_key(key);
    const auto content = value.is_string() ? from_hex(value.get<std::string>()) : std::nullopt;
    if (!id || !find_data_object(*id) || !content || content->size() > kMaxObjectSize)
      return Error::make(ErrorKind::kMalformed, "piv.objects: bad object '" + key + "'");
    loaded[*id] = Stored{*content, to_hex(*content)};
  }
  objects_ = std::move(loaded);
  return {};
}

}  // namespace keydesk::card::piv
