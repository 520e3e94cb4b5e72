// Record store operations per second, for bench/run_store.sh, which sets them against the disk's durable
// commit rate and against sqlite3 / pgbench running the equivalent statements on the same machine.
//   bench_store URL MASTER_KEY setup RECORDS
//   bench_store URL MASTER_KEY OP SECONDS [THREADS]
//     status   set_status active <-> suspended (one audited, durable transaction)
//     counter  advance_oath_counter compare-and-set (one audited, durable transaction)
//     secret   read_secret with a reason (audited: one durable transaction, then the decryption)
//     read     get_record (five indexed SELECTs and the MAC check)
//     count    count_by_status (the fleet report's aggregate)
// Prints one line: op=... threads=... ops=... seconds=... per_second=...
// Each thread has its own connection and works on its own records (threads never share one).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "store/record_store.h"

using namespace keydesk;
using namespace keydesk::store;

namespace {

iso7816::Cuid record_cuid(int i) {
  Bytes b{0x40, 0x90, 0xBE, 0x0C};
  append_be32(b, 0);
  append_be16(b, static_cast<uint16_t>(i));
  return *iso7816::Cuid::from_bytes(b);
}

int die(const std::string& what, const Error& e) {
  std::fprintf(stderr, "bench_store: %s: %s\n", what.c_str(), describe(e).c_str());
  return 1;
}

int setup(const StoreOptions& options, int records) {
  auto made = init_store(options, Actor{"bench"});
  if (!made.ok()) return die("init", made.error());
  for (int i = 0; i < records; ++i) {
    TokenRecord r;
    r.cuid = record_cuid(i);
    r.status = LifecycleStatus::kActive;
    r.user = {"User " + std::to_string(i), "E-" + std::to_string(i),
              "user" + std::to_string(i) + "@example.com"};
    r.oath = {{"vpn", "hotp", "SHA1", 6, 0, 30, ""}};
    r.certificates = {{"9a", "CN=User " + std::to_string(i), "01", "2027-01-01T00:00:00Z"}};
    std::vector<NewSecret> secrets;
    secrets.push_back({SecretField::puk(), SecureBytes(8, '7')});
    auto created = made->store->create_record(r, std::move(secrets), Actor{"bench"}, "bench setup");
    if (!created.ok()) return die("create", created.error());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: bench_store URL MASTER_KEY setup RECORDS | OP SECONDS [THREADS]\n");
    return 2;
  }
  const StoreOptions options{argv[1], argv[2]};
  const std::string op = argv[3];
  if (op == "setup") return setup(options, std::atoi(argv[4]));
  const double seconds = std::atof(argv[4]);
  const int threads = argc > 5 ? std::atoi(argv[5]) : 1;

  std::vector<std::unique_ptr<RecordStore>> stores;
  for (int t = 0; t < threads; ++t) {
    auto s = open_store(options);
    if (!s.ok()) return die("open", s.error());
    stores.push_back(std::move(*s));
  }
  auto counts = stores[0]->count_by_status();
  if (!counts.ok()) return die("count", counts.error());
  int64_t records = 0;
  for (const auto& [status, n] : *counts) records += n;
  records = std::min<int64_t>(records, 1000);  // the per-record operations use the first 1000 records
  if (records < threads) {
    std::fprintf(stderr, "bench_store: run setup first\n");
    return 1;
  }

  std::atomic<bool> stop{false}, failed{false};
  std::atomic<int64_t> total{0};
  auto worker = [&](int t) {
    RecordStore& store = *stores[static_cast<size_t>(t)];
    const Actor actor{"bench-" + std::to_string(t)};
    int64_t done = 0;
    std::vector<uint64_t> counter(static_cast<size_t>(records), 0);
    for (int64_t i = t; !stop.load(std::memory_order_relaxed); i += threads) {
      const int index = static_cast<int>(i % records);
      const iso7816::Cuid cuid = record_cuid(index);
      Status ok;
      if (op == "status") {
        auto r = store.get_record(cuid);
        if (r.ok()) {
          const LifecycleStatus to =
              r->status == LifecycleStatus::kActive ? LifecycleStatus::kSuspended : LifecycleStatus::kActive;
          auto s = store.set_status(cuid, to, actor, "bench", r->version);
          if (!s.ok()) ok = s.error();
        } else {
          ok = r.error();
        }
      } else if (op == "counter") {
        uint64_t& c = counter[static_cast<size_t>(index)];
        if (c == 0) {  // first visit: learn where the counter is
          auto r = store.get_record(cuid);
          if (!r.ok())
            ok = r.error();
          else
            c = r->oath.front().counter;
        }
        auto won = store.advance_oath_counter(cuid, "vpn", c, c + 1, actor);
        if (!won.ok())
          ok = won.error();
        else if (!*won)
          ok = Error::make(ErrorKind::kConflict, "lost a race it should not have");
        ++c;
      } else if (op == "secret") {
        auto v = store.read_secret(cuid, SecretField::puk(), actor, "BENCH-1");
        if (!v.ok()) ok = v.error();
      } else if (op == "read") {
        auto r = store.get_record(cuid);
        if (!r.ok()) ok = r.error();
      } else if (op == "count") {
        auto c = store.count_by_status();
        if (!c.ok()) ok = c.error();
      } else {
        ok = Error::make(ErrorKind::kUsage, "unknown op " + op);
      }
      if (!ok.ok()) {
        std::fprintf(stderr, "bench_store: %s: %s\n", op.c_str(), describe(ok.error()).c_str());
        failed = true;
        stop = true;
        break;
      }
      ++done;
    }
    total += done;
  };

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) return 1;
  std::printf("op=%s threads=%d ops=%lld seconds=%.2f per_second=%.1f\n", op.c_str(), threads,
              static_cast<long long>(total.load()), elapsed, static_cast<double>(total.load()) / elapsed);
  return 0;
}
