// The simulated token: an AID dispatcher over applets, with ISO command chaining, 61xx response chaining,
// card-level GET DATA (CPLC) and write-before-respond persistence.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "card/applet.h"
#include "card/card_context.h"

namespace keydesk::card {

inline constexpr const char* kStateFormat = "keydesk-sim-state/1";

class Card {
 public:
  // With an empty state path the card keeps its state in memory only (unit tests, benches).
  explicit Card(std::string state_path = {});
  Card(const Card&) = delete;
  Card& operator=(const Card&) = delete;

  // The applets' constructors receive the card's context; add them before load().
  template <typename A, typename... Args>
  A& emplace_applet(Args&&... args) {
    auto a = std::make_unique<A>(context_, std::forward<Args>(args)...);
    A& ref = *a;
    applets_.push_back(std::move(a));
    return ref;
  }

  // Where a document comes from. A profile seeds a new token: missing parts are generated. A state file
  // is the token itself and is validated strictly (docs/keydesk-sim.md, "State file"): it must be
  // exactly what save() writes for the state it describes, so a value out of range, of the wrong type,
  // missing or unknown is refused with the field's path instead of being clamped, wrapped, defaulted or
  // dropped - and nothing is written.
  enum class Origin { kProfile, kStateFile };
  // Loads the document, then writes the state file if a path was given.
  Status load(const json& doc, Origin origin = Origin::kProfile);
  json save() const;

  // One C-APDU in, one R-APDU out (data + SW). Thread-safe.
  Bytes transmit(ByteView raw_command);
  // Runs `fn` under the card lock for interfaces that are not APDUs (CTAPHID) and persists any state change
  // before returning. The caller sends its response only when the returned status is ok.
  Status exclusive(const std::function<void()>& fn);
  // Power off/on of the whole token (unplugged, or keydesk-sim's power-cycle): every applet forgets its
  // volatile state, nothing is selected.
  void power_cycle();
  // Power off/on or warm reset of the contact (ISO 7816) interface only, as pcscd does through vpcd
  // whenever it likes (a client's SCardDisconnect with SCARD_RESET_CARD, the card reinserted). On a key
  // plugged into USB that resets the smart-card applets but not a FIDO session on the HID interface:
  // Applet::reset_contact_interface() decides what each applet forgets.
  void reset_contact_interface();

  // A frozen token (keydesk-sim's `freeze`, docs/keydesk-sim.md): it stays in the reader and answers
  // nothing, the way a hung device or reader does. Every interface calls await_unfrozen() before it
  // answers a request; exclusive() calls it itself. `after_commands` lets that many more commands
  // (APDUs, CTAP messages) through first. thaw() lets held requests through; a power loss
  // (power_cycle(), card removal) ends the freeze and held requests are dropped unanswered.
  void freeze(uint64_t after_commands = 0);
  void thaw();
  struct FreezeState {
    bool frozen = false;
    std::optional<uint64_t> armed_after;  // commands still let through before the freeze
    uint64_t held = 0;                    // requests waiting for an answer
  };
  FreezeState freeze_state();
  // Waits while the card is frozen; false when the power went away meanwhile (answer nothing).
  // `is_command`: counts toward freeze(after_commands) (an APDU or a CTAP message, not an ATR request).
  bool await_unfrozen(bool is_command);

  const Bytes& atr() const { return context_.identity.atr; }
  CardContext& context() { return context_; }
  const std::string& state_path() const { return state_path_; }
  // Count of state-file writes (observable in tests and benches).
  uint64_t persist_count() const { return persist_count_; }
  // Commands answered 6F00 because an applet threw (each one a bug: the fuzz targets fail on it).
  uint64_t fault_count() const { return fault_count_; }

 private:
  void reset(bool whole_token);
  Bytes transmit_locked(ByteView raw_command);
  Status load_locked(const json& doc);
  // kStateFile: the loaded state must write back as the same document.
  Status check_round_trip(const json& doc) const;
  // Puts the applets and PIN/PUK back to the last state written (after a failed write or a fault).
  void restore_saved_state();
  ResponseApdu dispatch(const CommandApdu& cmd);
  ResponseApdu select(const CommandApdu& cmd);
  Bytes finish(ResponseApdu response, size_t ne);
  Status persist_if_changed();

  std::string state_path_;
  CardContext context_;
  std::vector<std::unique_ptr<Applet>> applets_;
  Applet* selected_ = nullptr;
  // command chaining
  bool chaining_ = false;
  CommandApdu chain_;
  // response chaining
  Bytes pending_;
  iso7816::StatusWord pending_sw_;
  std::string last_saved_;
  json last_saved_doc_;
  uint64_t persist_count_ = 0;
  uint64_t fault_count_ = 0;
  std::mutex mu_;
  // freeze(): its own lock, never held while the card lock is taken
  std::mutex freeze_mu_;
  std::condition_variable freeze_cv_;
  bool frozen_ = false;
  std::optional<uint64_t> freeze_after_;
  uint64_t held_ = 0;
  uint64_t power_epoch_ = 0;
};

// Parses "5.4.3".
bool parse_version(const std::string& text, uint8_t out[3]);

}  // namespace keydesk::card
