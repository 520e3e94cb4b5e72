// A second (and third) keydesk process for the concurrency tests: opens the store itself and writes the
// same record as the other workers, then prints what it won and how often it lost a race.
//   store_worker MODE URL MASTER_KEY CUID WORKER COUNT BARRIER_DIR
//   MODE update      COUNT read-modify-writes through update_record (adds credential WORKER-i)
//        optimistic  COUNT get_record + save_record, re-read and retry on kConflict
//        counter     advance the HOTP counter of "vpn" one step at a time until it reaches COUNT
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "store/record_store.h"

using namespace keydesk;
using namespace keydesk::store;

namespace {
int fail(const std::string& what, const Error& e) {
  std::printf("error: %s: %s\n", what.c_str(), describe(e).c_str());
  return 1;
}

// Both workers start their loops at the same moment: each says it is ready, then waits for "go".
void barrier(const std::string& dir, const std::string& worker) {
  std::ofstream(dir + "/ready." + worker) << "ready\n";
  while (!std::filesystem::exists(dir + "/go")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::printf("usage: store_worker MODE URL MASTER_KEY CUID WORKER COUNT BARRIER_DIR\n");
    return 2;
  }
  const std::string mode = argv[1], url = argv[2], key = argv[3], worker = argv[5], dir = argv[7];
  const auto cuid = *iso7816::Cuid::parse(argv[4]);
  const int count = std::atoi(argv[6]);
  const Actor actor{"worker-" + worker};
  auto opened = open_store({url, key});
  if (!opened.ok()) return fail("open", opened.error());
  RecordStore& store = **opened;
  barrier(dir, worker);
  int wins = 0, conflicts = 0;
  if (mode == "update") {
    for (int i = 0; i < count; ++i) {
      const std::string name = worker + "-" + std::to_string(i);
      auto r = store.update_record(
          cuid,
          [&](TokenRecord& t) {
            t.oath.push_back({name, "totp", "SHA1", 6, 0, 30, ""});
            return Status{};
          },
          actor, "");
      if (!r.ok()) return fail("update " + name, r.error());
      ++wins;
    }
  } else if (mode == "optimistic") {
    for (int i = 0; i < count; ++i) {
      const std::string name = worker + "-" + std::to_string(i);
      for (;;) {
        auto t = store.get_record(cuid);
        if (!t.ok()) return fail("get", t.error());
        t->oath.push_back({name, "totp", "SHA1", 6, 0, 30, ""});
        auto saved = store.save_record(*t, actor, "");
        if (saved.ok()) break;
        if (saved.error().kind != ErrorKind::kConflict) return fail("save " + name, saved.error());
        ++conflicts;  // someone else wrote first: read again and redo the change
      }
      ++wins;
    }
  } else if (mode == "counter") {
    for (;;) {
      auto t = store.get_record(cuid);
      if (!t.ok()) return fail("get", t.error());
      uint64_t counter = 0;
      for (const auto& o : t->oath)
        if (o.name == "vpn") counter = o.counter;
      if (counter >= static_cast<uint64_t>(count)) break;
      auto won = store.advance_oath_counter(cuid, "vpn", counter, counter + 1, actor);
      if (!won.ok()) return fail("advance", won.error());
      if (*won)
        ++wins;
      else
        ++conflicts;
    }
  } else {
    std::printf("unknown mode %s\n", mode.c_str());
    return 2;
  }
  std::printf("wins=%d conflicts=%d\n", wins, conflicts);
  return 0;
}
