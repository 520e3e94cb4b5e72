#include "card/card.h"

#include <algorithm>
#include <cstring>

#include "card/state_file.h"
#include "crypto/random.h"
#include "iso7816/cplc.h"

namespace keydesk::card {
namespace sw = iso7816::sw;
using iso7816::StatusWord;

namespace {
constexpr size_t kMaxChainedData = 65536;
constexpr size_t kMaxResponseChunk = 256;

bool is_get_response(const CommandApdu& c) {
  return c.ins == 0xC0 && (c.cla & 0xFC) == 0x00;
}
bool is_cplc_request(const CommandApdu& c) {
  return (c.cla == 0x80 || c.cla == 0x00) && c.ins == 0xCA && c.p1 == 0x9F && c.p2 == 0x7F;
}

Bytes random_cplc() {
  // Fabricator/type of a generic secure element, a random 4-byte IC serial and 2-byte batch,
  // so every seeded token has its own CUID.
  Bytes c = crypto::random_bytes(iso7816::kCplcLength);
  c[0] = 0x47;
  c[1] = 0x90;  // IC fabricator
  c[2] = 0x50;
  c[3] = 0x40;  // IC type
  return c;
}
}  // namespace

bool parse_version(const std::string& text, uint8_t out[3]) {
  unsigned a = 0, b = 0, c = 0;
  if (std::sscanf(text.c_str(), "%u.%u.%u", &a, &b, &c) != 3 || a > 255 || b > 255 || c > 255) return false;
  out[0] = static_cast<uint8_t>(a);
  out[1] = static_cast<uint8_t>(b);
  out[2] = static_cast<uint8_t>(c);
  return true;
}

Card::Card(std::string state_path) : state_path_(std::move(state_path)) {}

Status Card::load(const json& doc, Origin origin) {
  std::lock_guard lock(mu_);
  if (origin == Origin::kStateFile) {
    if (!doc.is_object()) return Error::make(ErrorKind::kMalformed, "state file: not a JSON object");
    for (const char* section : {"card", "security", "applets"})
      if (!doc.contains(section) || !doc[section].is_object())
        return Error::make(ErrorKind::kMalformed, std::string("state file: the required section /") +
                                                      section + " is missing or not an object");
  }
  KD_TRY(load_locked(doc));
  if (origin == Origin::kStateFile) KD_TRY(check_round_trip(doc));
  selected_ = nullptr;
  last_saved_.clear();
  return persist_if_changed();
}

namespace {

// The first difference between a state document and what save() writes for it, as an error naming
// the field by JSON pointer. Numbers compare by exact value: nlohmann's own == converts -5 to the
// unsigned 18446744073709551611 before comparing, which would hide a wrapped counter.
bool same_scalar(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_negative = a.is_number_unsigned() ? false : a.get<int64_t>() < 0;
    const bool b_negative = b.is_number_unsigned() ? false : b.get<int64_t>() < 0;
    if (a_negative != b_negative) return false;
    return a_negative ? a.get<int64_t>() == b.get<int64_t>() : a.get<uint64_t>() == b.get<uint64_t>();
  }
  if (a.is_number_integer() != b.is_number_integer()) return false;  // 3.0 is not the integer 3
  return a == b;
}

std::optional<std::string> first_difference(const json& stored, const json& saved, const std::string& path) {
  // Values are shown only when they are numbers or booleans: strings in a state file may be PINs and
  // keys (hex).
  auto shown = [](const json& v) { return v.is_number() || v.is_boolean() ? " " + v.dump() : std::string(); };
  const std::string where = path.empty() ? "/" : path;
  if (stored.is_object() && saved.is_object()) {
    for (const auto& [key, value] : saved.items())
      if (!stored.contains(key)) return "the required field " + path + "/" + key + " is missing";
    for (const auto& [key, value] : stored.items()) {
      if (!saved.contains(key)) return "the field " + path + "/" + key + " is not part of the state format";
      if (auto d = first_difference(value, saved[key], path + "/" + key)) return d;
    }
    return std::nullopt;
  }
  if (stored.is_array() && saved.is_array()) {
    if (stored.size() != saved.size())
      return "the list " + where + " has " + std::to_string(stored.size()) + " entries, " +
             std::to_string(saved.size()) + " of them valid";
    for (size_t i = 0; i < stored.size(); ++i)
      if (auto d = first_difference(stored[i], saved[i], path + "/" + std::to_string(i))) return d;
    return std::nullopt;
  }
  if (stored.type() == saved.type() || (stored.is_number() && saved.is_number())) {
    if (same_scalar(stored, saved)) return std::nullopt;
  }
  std::string why = "the field " + where + " holds an invalid value" + shown(stored) +
                    " (out of range, of the wrong type, or not in its canonical form";
  if (saved.is_number() || saved.is_boolean()) why += "; it would load as" + shown(saved);
  return why + ")";
}

}  // namespace

Status Card::check_round_trip(const json& doc) const {
  if (auto difference = first_difference(doc, save(), ""))
    return Error::make(ErrorKind::kMalformed, "state file: " + *difference);
  return {};
}

Status Card::load_locked(const json& doc) {
  try {
    const json& card = doc.at("card");
    auto& id = context_.identity;
    auto atr = from_hex(card.at("atr").get<std::string>());
    if (!atr || atr->size() < 2 || atr->size() > 33) return Error::make(ErrorKind::kMalformed, "card.atr");
    id.atr = *atr;
    const std::string cplc = card.value("cplc", "random");
    if (cplc == "random") {
      id.cplc = random_cplc();
    } else {
      auto raw = from_hex(cplc);
      if (!raw || raw->size() != iso7816::kCplcLength) return Error::make(ErrorKind::kMalformed, "card.cplc");
      id.cplc = *raw;
    }
    if (card.contains("serial") && card["serial"].is_number_integer()) {
      id.serial = card["serial"].get<uint32_t>();
    } else {
      const Bytes r = crypto::random_bytes(4);
      id.serial = 10000000 + read_be32(r) % 80000000;  // 8 digits, as printed on real keys
    }
    if (!parse_version(card.value("version", "5.4.3"), id.version))
      return Error::make(ErrorKind::kMalformed, "card.version");
    id.profile = card.value("profile", "");

    const json security = doc.value("security", json::object());
    if (security.contains("pin")) KD_TRY(context_.pin.load(security["pin"]));
    if (security.contains("puk")) KD_TRY(context_.puk.load(security["puk"]));
    const json policy = security.value("policy", json::object());
    context_.policy.min_length = policy.value("min_length", uint8_t{6});
    context_.policy.max_length = policy.value("max_length", uint8_t{8});
    context_.policy.force_change = policy.value("force_change", false);
    context_.policy.shared_with_fido = policy.value("shared_with_fido", false);

    const json applets = doc.value("applets", json::object());
    for (auto& a : applets_) {
      const std::string key(a->name());
      if (Status loaded = a->load(applets.contains(key) ? applets[key] : json::object()); !loaded)
        return Error::make(loaded.error().kind, "/applets/" + key + ": " + describe(loaded.error()));
    }
  } catch (const json::exception& e) {
    return Error::make(ErrorKind::kMalformed, std::string("state document: ") + e.what());
  }
  return {};
}

json Card::save() const {
  const auto& id = context_.identity;
  json doc;
  doc["format"] = kStateFormat;
  doc["card"] = {{"atr", to_hex(id.atr)},
                 {"cplc", to_hex(id.cplc)},
                 {"serial", id.serial},
                 {"version", std::to_string(id.version[0]) + "." + std::to_string(id.version[1]) + "." +
                                 std::to_string(id.version[2])},
                 {"profile", id.profile}};
  doc["security"] = {{"pin", context_.pin.save()},
                     {"puk", context_.puk.save()},
                     {"policy",
                      {{"min_length", context_.policy.min_length},
                       {"max_length", context_.policy.max_length},
                       {"force_change", context_.policy.force_change},
                       {"shared_with_fido", context_.policy.shared_with_fido}}}};
  json applets = json::object();
  for (const auto& a : applets_) applets[std::string(a->name())] = a->save();
  doc["applets"] = std::move(applets);
  return doc;
}

void Card::restore_saved_state() {
  if (last_saved_doc_.is_null()) return;
  const json applets = last_saved_doc_.value("applets", json::object());
  for (auto& a : applets_) {
    const std::string key(a->name());
    (void)a->load(applets.contains(key) ? applets[key] : json::object());
  }
  const json security = last_saved_doc_.value("security", json::object());
  if (security.contains("pin")) (void)context_.pin.load(security["pin"]);
  if (security.contains("puk")) (void)context_.puk.load(security["puk"]);
}

Status Card::persist_if_changed() {
  json doc = save();
  // Strict: a state that cannot be written exactly (a string that is not UTF-8 slipped past state_text)
  // throws here and the command is answered 6F00 with nothing committed (transmit()).
  std::string text = doc.dump(1);
  if (text == last_saved_) return {};
  if (!state_path_.empty()) {
    Status s = write_file_atomically(state_path_, text);
    if (!s) {
      // Roll the in-memory state back to what is on disk: a change that is not durable did not happen.
      restore_saved_state();
      return s;
    }
    ++persist_count_;
  }
  last_saved_ = std::move(text);
  last_saved_doc_ = std::move(doc);
  return {};
}

void Card::freeze(uint64_t after_commands) {
  std::lock_guard lock(freeze_mu_);
  if (after_commands == 0) {
    frozen_ = true;
    freeze_after_.reset();
  } else {
    freeze_after_ = after_commands;
  }
}

void Card::thaw() {
  std::lock_guard lock(freeze_mu_);
  frozen_ = false;
  freeze_after_.reset();
  freeze_cv_.notify_all();
}

Card::FreezeState Card::freeze_state() {
  std::lock_guard lock(freeze_mu_);
  return {frozen_, freeze_after_, held_};
}

bool Card::await_unfrozen(bool is_command) {
  std::unique_lock lock(freeze_mu_);
  if (is_command && freeze_after_) {
    if (*freeze_after_ == 0) {
      frozen_ = true;
      freeze_after_.reset();
    } else {
      --*freeze_after_;
    }
  }
  if (!frozen_) return true;
  const uint64_t epoch = power_epoch_;
  ++held_;
  freeze_cv_.wait(lock, [&] { return !frozen_; });
  --held_;
  return epoch == power_epoch_;
}

void Card::power_cycle() {
  reset(true);
}

void Card::reset_contact_interface() {
  reset(false);
}

void Card::reset(bool whole_token) {
  {
    // A power loss ends a freeze; what was held is never answered.
    std::lock_guard freeze_lock(freeze_mu_);
    ++power_epoch_;
    frozen_ = false;
    freeze_after_.reset();
    freeze_cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  for (auto& a : applets_) {
    if (whole_token)
      a->reset_volatile();
    else
      a->reset_contact_interface();
  }
  selected_ = nullptr;
  chaining_ = false;
  chain_ = {};
  pending_.clear();
  if (whole_token) context_.powered_on_at = std::chrono::steady_clock::now();
}

Status Card::exclusive(const std::function<void()>& fn) {
  if (!await_unfrozen(true)) return Error::make(ErrorKind::kTokenRemoved, "the token lost power");
  std::lock_guard lock(mu_);
  try {
    fn();
    return persist_if_changed();
  } catch (const std::exception& e) {
    ++fault_count_;
    restore_saved_state();
    return Error::make(ErrorKind::kInternal, std::string("the token failed: ") + e.what());
  }
}

Bytes Card::transmit(ByteView raw) {
  std::lock_guard lock(mu_);
  // A fault inside an applet (an exception from a library, a state that cannot be serialised) must not
  // take the token down or leave half a change behind: the command is answered 6F00 (ISO 7816-4, no
  // precise diagnosis) and the state goes back to what the state file holds.
  try {
    return transmit_locked(raw);
  } catch (const std::exception&) {
    ++fault_count_;
    restore_saved_state();
    selected_ = nullptr;
    chaining_ = false;
    chain_ = {};
    pending_.clear();
    return ResponseApdu::status(sw::kNoDiagnosis).encode();
  }
}

Bytes Card::transmit_locked(ByteView raw) {
  auto parsed = iso7816::parse_command(raw);
  if (!parsed) {
    pending_.clear();
    chaining_ = false;
    return ResponseApdu::status(StatusWord(static_cast<uint16_t>(parsed.error().code))).encode();
  }
  CommandApdu cmd = std::move(parsed).value();

  // Response chaining: GET RESPONSE (or the applet's SEND REMAINING) serves pending data; anything
  // else discards it.
  const bool wants_more = is_get_response(cmd) || (selected_ && selected_->is_send_remaining(cmd));
  if (wants_more) {
    if (pending_.empty()) return ResponseApdu::status(sw::kConditionsNotSatisfied).encode();
    ResponseApdu r{std::move(pending_), pending_sw_};
    pending_.clear();
    return finish(std::move(r), cmd.ne);
  }
  pending_.clear();

  // Command chaining: accumulate data while CLA b5 is set; the final command is processed whole.
  if (cmd.chained()) {
    if (chaining_ && (chain_.ins != cmd.ins || chain_.p1 != cmd.p1 || chain_.p2 != cmd.p2)) {
      chaining_ = false;
      chain_ = {};
      return ResponseApdu::status(sw::kLastCommandExpected).encode();
    }
    if (!chaining_) {
      chain_ = cmd;
      chain_.cla = static_cast<uint8_t>(cmd.cla & ~0x10);
      chaining_ = true;
    } else {
      append(chain_.data, cmd.data);
    }
    if (chain_.data.size() > kMaxChainedData) {
      chaining_ = false;
      chain_ = {};
      return ResponseApdu::status(sw::kWrongLength).encode();
    }
    return ResponseApdu::status(sw::kOk).encode();
  }
  if (chaining_) {
    const bool continues = chain_.ins == cmd.ins && chain_.p1 == cmd.p1 && chain_.p2 == cmd.p2;
    chaining_ = false;
    if (!continues) {
      chain_ = {};
      return ResponseApdu::status(sw::kLastCommandExpected).encode();
    }
    append(chain_.data, cmd.data);
    if (chain_.data.size() > kMaxChainedData) {
      chain_ = {};
      return ResponseApdu::status(sw::kWrongLength).encode();
    }
    chain_.ne = cmd.ne;
    chain_.extended = chain_.extended || cmd.extended;
    cmd = std::move(chain_);
    chain_ = {};
  }

  ResponseApdu response = dispatch(cmd);
  if (Status s = persist_if_changed(); !s) return ResponseApdu::status(sw::kMemoryFailure).encode();
  return finish(std::move(response), cmd.ne);
}

Bytes Card::finish(ResponseApdu response, size_t ne) {
  // An absent Le counts as 256: ykman and yubico-piv-tool never send Le but expect data.
  const size_t limit = std::min(ne == 0 ? kMaxResponseChunk : ne, kMaxResponseChunk);
  if (response.data.size() <= limit) return response.encode();
  Bytes out(response.data.begin(), response.data.begin() + static_cast<std::ptrdiff_t>(limit));
  pending_.assign(response.data.begin() + static_cast<std::ptrdiff_t>(limit), response.data.end());
  pending_sw_ = response.sw;
  const StatusWord more = sw::more_data(pending_.size());
  out.push_back(more.sw1());
  out.push_back(more.sw2());
  return out;
}

ResponseApdu Card::dispatch(const CommandApdu& cmd) {
  if ((cmd.cla & 0x80) == 0 && (cmd.cla & 0x0C) != 0) return ResponseApdu::status(sw::kClaNotSupported);
  if (cmd.cla == 0xFF) return ResponseApdu::status(sw::kClaNotSupported);
  if (cmd.ins == 0xA4 && cmd.p1 == 0x04 && (cmd.cla & 0x80) == 0) return select(cmd);
  if (is_cplc_request(cmd))
    return ResponseApdu::success(iso7816::encode_cplc_response(context_.identity.cplc));
  if (!selected_) return ResponseApdu::status(sw::kInsNotSupported);
  return selected_->process(cmd);
}

ResponseApdu Card::select(const CommandApdu& cmd) {
  const Bytes& wanted = cmd.data;
  if (wanted.size() < 5 || wanted.size() > 16) return ResponseApdu::status(sw::kFileNotFound);
  for (auto& a : applets_) {
    const ByteView aid = a->aid();
    if (wanted.size() <= aid.size() && std::equal(wanted.begin(), wanted.end(), aid.begin())) {
      if (selected_ && selected_ != a.get()) selected_->deselect();
      selected_ = a.get();
      ResponseApdu r = a->select(cmd);
      if (cmd.p2 == 0x0C) r.data.clear();
      return r;
    }
  }
  return ResponseApdu::status(sw::kFileNotFound);
}

}  // namespace keydesk::card
