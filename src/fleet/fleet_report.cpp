#include "fleet/fleet_report.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace keydesk::fleet {

using nlohmann::ordered_json;
using store::LifecycleStatus;

std::vector<Gap> gaps(const FleetReport& r) {
  const auto& f = r.figures;
  auto count_tokens = [&](auto pred) -> std::optional<int64_t> {
    if (!r.tokens_read) return std::nullopt;
    int64_t n = 0;
    for (const auto& t : r.seen)
      if (t.problem.empty() && pred(t)) ++n;
    return n;
  };
  return {
      {"WithoutPuk", "tokens without a recorded PUK", f.without_puk,
       count_tokens([](const SeenToken& t) { return t.recorded && !t.puk_on_record; })},
      {"DefaultPin", "tokens with a default PIN", f.default_pin,
       count_tokens([](const SeenToken& t) { return t.pin_still_default.value_or(false); })},
      {"OathNotAligned", "tokens with OATH counters not aligned with the export", f.hotp_not_exported,
       count_tokens([](const SeenToken& t) { return t.hotp_not_aligned > 0; })},
      {"WithoutFidoPolicy", "tokens without a FIDO policy", f.without_fido_policy, std::nullopt},
      {"SeenNotRecorded", "tokens seen but not recorded", 0,
       count_tokens([](const SeenToken& t) { return !t.recorded; })},
  };
}

ordered_json fleet_json(const FleetReport& r) {
  ordered_json status = ordered_json::object();
  for (LifecycleStatus s : {LifecycleStatus::kInStock, LifecycleStatus::kActive, LifecycleStatus::kSuspended,
                            LifecycleStatus::kLost, LifecycleStatus::kDecommissioned}) {
    auto it = r.by_status.find(s);
    status[store::status_name(s)] = it == r.by_status.end() ? 0 : it->second;
  }
  ordered_json g = ordered_json::object();
  for (const auto& gap : gaps(r)) {
    ordered_json one{{"Records", gap.records}};
    one["Tokens"] = gap.tokens ? ordered_json(*gap.tokens) : ordered_json(nullptr);
    g[gap.key] = one;
  }
  ordered_json j{{"GeneratedAt", r.generated_at},
                 {"Store", r.store},
                 {"Records", r.figures.records},
                 {"InService", r.figures.in_service},
                 {"ByStatus", status},
                 {"Gaps", g},
                 {"ProvisioningPending", r.figures.provisioning_pending},
                 {"ExpiredCertificates", r.figures.expired_certificates}};
  if (r.tokens_read) {
    ordered_json seen = ordered_json::array();
    for (const auto& t : r.seen) {
      ordered_json one{{"Reader", t.reader},
                       {"CUID", t.cuid.empty() ? ordered_json(nullptr) : ordered_json(t.cuid)}};
      if (!t.problem.empty()) {
        one["Problem"] = t.problem;
      } else {
        one["Recorded"] = t.recorded;
        one["Status"] = t.recorded ? ordered_json(t.status) : ordered_json(nullptr);
        one["PinStillDefault"] =
            t.pin_still_default ? ordered_json(*t.pin_still_default) : ordered_json(nullptr);
        one["PukOnRecord"] = t.puk_on_record;
        one["HotpNotAligned"] = t.hotp_not_aligned;
      }
      seen.push_back(one);
    }
    j["Tokens"] = seen;
  } else {
    j["Tokens"] = nullptr;
  }
  return j;
}

namespace {

std::string html_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t')
          out += "&#xFFFD;";
        else
          out += static_cast<char>(c);
    }
  }
  return out;
}

std::string percent(int64_t part, int64_t whole) {
  if (whole <= 0) return "0%";
  std::ostringstream o;
  o.precision(1);
  o << std::fixed << 100.0 * static_cast<double>(part) / static_cast<double>(whole) << "%";
  return o.str();
}

// A horizontal bar chart: one labelled bar per row, scaled to `scale`.
std::string bar_chart(const std::vector<std::pair<std::string, int64_t>>& rows, int64_t scale,
                      const std::string& title, const char* colour) {
  const int width = 640, label = 300, bar_max = 260, row_h = 28;
  std::ostringstream s;
  s << "<svg role=\"img\" width=\"" << width << "\" height=\""
    << row_h * rows.size() + 10 << "\" aria-label=\"" << html_escape(title) << "\">\n";
  int y = 5;
  for (const auto& [name, value] : rows) {
    const double w = scale > 0 ? bar_max * static_cast<double>(value) / static_cast<double>(scale) : 0;
    s << "<text x=\"0\" y=\"" << y + 17 << "\" font-size=\"13\">" << html_escape(name) << "</text>"
      << "<rect x=\"" << label << "\" y=\"" << y + 4 << "\" width=\""
      << std::lround(std::max(w, value ? 2.0 : 0.0)) << "\" height=\"18\" fill=\"" << colour << "\"/>"
      << "<text x=\"" << label + static_cast<int>(w) + 6 << "\" y=\"" << y + 17 << "\" font-size=\"13\">"
      << value << " (" << percent(value, scale) << ")</text>\n";
    y += row_h;
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace

std::string fleet_html(const FleetReport& r) {
  const auto g = gaps(r);
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<title>keydesk fleet report</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:2em "
       "auto;"
       "color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.3em .6em;"
       "text-align:left}th{background:#eee}td.n{text-align:right}.bad{color:#a00;font-weight:bold}</style>"
       "</head><body>\n";
  h << "<h1>Security key fleet report</h1>\n<p>Generated " << html_escape(r.generated_at)
    << " from the record store " << html_escape(r.store) << ". " << r.figures.records << " tokens on record, "
    << r.figures.in_service << " in service (active or suspended).</p>\n";
  h << "<h2>The five rollout gaps</h2>\n<p>Counted over the tokens in service"
    << (r.tokens_read ? ", and among the tokens connected when the report was made" : "") << ".</p>\n";
  std::vector<std::pair<std::string, int64_t>> rows;
  for (const auto& gap : g)
    if (gap.key != "SeenNotRecorded") rows.emplace_back(gap.words, gap.records);
  h << bar_chart(rows, r.figures.in_service, "gaps over the tokens in service", "#c0392b");
  h << "<table><tr><th>Gap</th><th>On record</th><th>Share of tokens in service</th>"
    << (r.tokens_read ? "<th>Connected tokens</th>" : "") << "</tr>\n";
  for (const auto& gap : g) {
    h << "<tr><td>" << html_escape(gap.words) << "</td><td class=\"n" << (gap.records ? " bad" : "") << "\">"
      << (gap.key == "SeenNotRecorded" ? "-" : std::to_string(gap.records)) << "</td><td class=\"n\">"
      << (gap.key == "SeenNotRecorded" ? "-" : percent(gap.records, r.figures.in_service)) << "</td>";
    if (r.tokens_read) h << "<td class=\"n\">" << (gap.tokens ? std::to_string(*gap.tokens) : "-") << "</td>";
    h << "</tr>\n";
  }
  h << "</table>\n<p>Also: " << r.figures.provisioning_pending
    << " provisioning runs interrupted and not resumed; " << r.figures.expired_certificates
    << " tokens in service with an expired certificate.</p>\n";
  h << "<h2>Lifecycle</h2>\n";
  std::vector<std::pair<std::string, int64_t>> status_rows;
  for (LifecycleStatus s : {LifecycleStatus::kInStock, LifecycleStatus::kActive, LifecycleStatus::kSuspended,
                            LifecycleStatus::kLost, LifecycleStatus::kDecommissioned}) {
    auto it = r.by_status.find(s);
    status_rows.emplace_back(store::status_name(s), it == r.by_status.end() ? 0 : it->second);
  }
  h << bar_chart(status_rows, r.figures.records, "tokens by lifecycle status", "#2c6fbb");
  if (r.tokens_read) {
    h << "<h2>Connected tokens</h2>\n<table><tr><th>Reader</th><th>CUID</th><th>Record</th><th>PIN still "
         "default</th><th>PUK on record</th><th>HOTP not aligned</th></tr>\n";
    for (const auto& t : r.seen) {
      h << "<tr><td>" << html_escape(t.reader) << "</td><td>" << html_escape(t.cuid) << "</td>";
      if (!t.problem.empty()) {
        h << "<td colspan=\"4\">" << html_escape(t.problem) << "</td></tr>\n";
        continue;
      }
      h << "<td>" << (t.recorded ? html_escape(t.status) : "<span class=\"bad\">not recorded</span>")
        << "</td><td>"
        << (t.pin_still_default ? (*t.pin_still_default ? "<span class=\"bad\">yes</span>" : "no")
                                : "unknown")
        << "</td><td>" << (t.puk_on_record ? "yes" : "<span class=\"bad\">no</span>")
        << "</td><td class=\"n\">" << t.hotp_not_aligned << "</td></tr>\n";
    }
    h << "</table>\n";
  }
  h << "<p><small>keydesk fleet-report; definitions in keydesk's docs/provisioning.md, \"Fleet "
       "report\".</small></p>\n"
    << "</body></html>\n";
  return h.str();
}

}  // namespace keydesk::fleet
