#include "runbook/counter_check.h"

#include <algorithm>

namespace keydesk::runbook {
namespace {

using Kind = CounterReading::Kind;

constexpr const char* kFidoPinSet = "FIDO PIN set";
constexpr const char* kFidoPinRetries = "FIDO PIN retries";

// One counter as one read saw it. A HOTP credential can come or go between the reads; the other
// counters belong to their part of the token for as long as it is there.
struct Sample {
  std::string name;
  Kind kind = Kind::kCount;
  std::optional<uint64_t> value;
  bool hotp = false;
};

std::optional<uint64_t> count(std::optional<int> v) {
  return v && *v >= 0 ? std::optional<uint64_t>(static_cast<uint64_t>(*v)) : std::nullopt;
}

bool oath_readable(const TokenSnapshot& s) {
  return s.oath && s.oath->properties_available;
}

std::vector<Sample> samples_of(const TokenSnapshot& s) {
  std::vector<Sample> out;
  if (s.access) {
    const std::string source = " (" + s.access->source + ")";
    out.push_back({"card PIN retries" + source, Kind::kCount, count(s.access->pin_remaining)});
    out.push_back({"card PUK retries" + source, Kind::kCount, count(s.access->puk_remaining)});
  }
  if (s.hsm) {
    out.push_back({"SmartCard-HSM SO-PIN tries", Kind::kCount, count(s.hsm->so_remaining)});
    out.push_back({"SmartCard-HSM user PIN tries", Kind::kCount, count(s.hsm->user_remaining)});
  }
  if (s.fido && s.fido->reachable) {
    const auto client_pin = s.fido->client_pin();
    out.push_back(
        {kFidoPinSet, Kind::kFlag, client_pin ? std::optional<uint64_t>(*client_pin) : std::nullopt});
    // Without a PIN there is no retry counter to watch (its absence is not a change).
    if (client_pin == true) out.push_back({kFidoPinRetries, Kind::kCount, count(s.fido->pin_retries)});
    out.push_back(
        {"free FIDO passkey slots", Kind::kCount, count(s.fido->remaining_discoverable_credentials)});
  }
  if (oath_readable(s))
    for (const auto& c : s.oath->credentials)
      if (c.type == "HOTP" && c.counter)
        out.push_back({"HOTP counter of \"" + c.name + "\"", Kind::kCount, c.counter, true});
  std::erase_if(out, [](const Sample& x) { return !x.value; });
  return out;
}

const Sample* find(const std::vector<Sample>& samples, const std::string& name) {
  auto it = std::find_if(samples.begin(), samples.end(), [&](const Sample& s) { return s.name == name; });
  return it == samples.end() ? nullptr : &*it;
}

std::string value_text(const CounterReading& r, const std::optional<uint64_t>& v) {
  if (!v) return "absent";
  if (r.kind == Kind::kFlag) return *v ? "yes" : "no";
  return std::to_string(*v);
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// "every command went through the read-only guard ..." (capitalized to start a sentence).
std::string guard_words(uint64_t refused, bool starts_sentence = false) {
  return std::string(starts_sentence ? "E" : "e") +
         "very command went through the read-only guard, which lets only commands that read through (it "
         "refused " +
         std::to_string(refused) + " of keydesk's commands)";
}

std::string change_text(const CounterReading& r) {
  if (!r.before) return r.name + " appeared (" + value_text(r, r.after) + ")";
  if (!r.after) return r.name + " disappeared (it was " + value_text(r, r.before) + ")";
  return r.name + " changed from " + value_text(r, r.before) + " to " + value_text(r, r.after);
}

}  // namespace

const char* outcome_name(CounterCheck::Outcome outcome) {
  switch (outcome) {
    case CounterCheck::Outcome::kUnchanged:
      return "unchanged";
    case CounterCheck::Outcome::kChanged:
      return "changed";
    case CounterCheck::Outcome::kUnverified:
      return "unverified";
  }
  return "unverified";
}

CounterCheck check_counters(const TokenSnapshot& before, const TokenSnapshot& after, uint64_t refused) {
  CounterCheck check;
  check.refused = refused;
  const auto first = samples_of(before), second = samples_of(after);
  const Sample* pin_set_after = find(second, kFidoPinSet);
  for (const auto& b : first) {
    CounterReading r{b.name, b.kind, b.value, std::nullopt};
    if (const Sample* a = find(second, b.name)) {
      r.after = a->value;
      (r.after == r.before ? check.unchanged : check.changed).push_back(r);
    } else if (b.hotp && oath_readable(after)) {
      check.changed.push_back(r);  // the credential is gone
    } else if (b.name == kFidoPinRetries && pin_set_after && pin_set_after->value == 0u) {
      // the FIDO PIN itself went away (reported as that flag's change)
    } else {
      check.unread.push_back(r);
    }
  }
  for (const auto& a : second)
    if (a.hotp && oath_readable(before) && !find(first, a.name))
      check.changed.push_back({a.name, a.kind, std::nullopt, a.value});  // a new credential

  const Sample* pin_set_before = find(first, kFidoPinSet);
  check.fido_pin_set_meanwhile =
      pin_set_before && pin_set_after && pin_set_before->value == 0u && pin_set_after->value == 1u;

  if (!check.changed.empty())
    check.outcome = CounterCheck::Outcome::kChanged;
  else if (check.unread.empty() && !check.unchanged.empty())
    check.outcome = CounterCheck::Outcome::kUnchanged;
  else
    check.outcome = CounterCheck::Outcome::kUnverified;

  auto& words = check.statement;
  std::vector<std::string> names;
  for (const auto& r : check.unread) names.push_back(r.name);
  switch (check.outcome) {
    case CounterCheck::Outcome::kUnchanged: {
      std::vector<std::string> values;
      for (const auto& r : check.unchanged) values.push_back(r.name + " " + value_text(r, r.before));
      words.push_back(
          "Nothing was spent: every counter keydesk can read without spending was read at the "
          "start and again at the end, and none changed (" +
          join(values) + ").");
      words.push_back(guard_words(refused, true) + ".");
      break;
    }
    case CounterCheck::Outcome::kChanged: {
      for (const auto& r : check.changed) words.push_back(change_text(r) + " while keydesk was reading.");
      words.push_back(
          "keydesk sent nothing able to change " + std::string(check.changed.size() == 1 ? "it" : "them") +
          ": " + guard_words(refused) +
          ". Another program is using the token: close other programs that use the key (browsers, "
          "mail, VPN and smart card tools) and run diagnose again.");
      if (check.fido_pin_set_meanwhile) {
        const auto* retries = find(second, kFidoPinRetries);
        words.push_back(
            "The FIDO PIN was set by another client during the diagnosis: getInfo reported "
            "clientPin = false at the start and true at the end" +
            (retries ? " (" + std::to_string(*retries->value) + " retries now)" : std::string()) +
            ". The FIDO findings above describe the key as it was at the start.");
      }
      if (!names.empty()) words.push_back("Not read again at the end: " + join(names) + ".");
      break;
    }
    case CounterCheck::Outcome::kUnverified:
      if (check.unchanged.empty() && names.empty())
        words.push_back(
            "No counter could be read without spending, so whether anything changed on the token "
            "cannot be checked; " +
            guard_words(refused) + ".");
      else
        words.push_back("Not verified: " + join(names) + (names.size() == 1 ? " was" : " were") +
                        " not read again at the end" +
                        (check.unchanged.empty() ? std::string()
                                                 : "; the other " + std::to_string(check.unchanged.size()) +
                                                       " counters did not change") +
                        ". " + guard_words(refused, true) + ".");
      break;
  }
  return check;
}

}  // namespace keydesk::runbook
