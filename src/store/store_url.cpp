#include "store/store_url.h"

#include <algorithm>
#include <cstdlib>

namespace keydesk::store {
namespace {
std::string xdg_dir(const char* variable, const char* fallback) {
  const char* v = std::getenv(variable);
  if (v && *v == '/') return v;  // the XDG base directory spec ignores relative paths
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/") + "/" + fallback;
}
}  // namespace

std::string default_store_url() {
  return "sqlite:" + xdg_dir("XDG_DATA_HOME", ".local/share") + "/keydesk/store.db";
}

std::string default_master_key_reference() {
  return "file:" + xdg_dir("XDG_CONFIG_HOME", ".config") + "/keydesk/master.key";
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  // postgresql://user:password@host/...: the userinfo is the part of the authority (up to the first '/',
  // '?' or '#') before its last '@' (RFC 3986 section 3.2).
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t end = std::min(out.find_first_of("/?#", start), out.size());
    const size_t at = end > start ? out.rfind('@', end - 1) : std::string::npos;
    if (at != std::string::npos && at >= start) {
      const size_t colon = out.find(':', start);
      if (colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=secret&...
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    const size_t value = p + 9;
    const size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

Result<std::unique_ptr<Database>> open_database(std::string_view url, bool create) {
  if (url.starts_with("sqlite:")) {
    std::string_view path = url.substr(7);
    if (path.starts_with("//")) path.remove_prefix(2);  // sqlite:///abs/path is accepted too
    if (path.empty()) return Error::make(ErrorKind::kUsage, "sqlite: store URL without a path");
    return open_sqlite_database(std::string(path), create);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return open_postgres_database(std::string(url));
  return Error::make(ErrorKind::kUsage, "store URL must start with sqlite: or postgresql://");
}

}  // namespace keydesk::store
