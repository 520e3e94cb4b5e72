#include "cli/store_arguments.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace keydesk::cli {

std::optional<store::StoreOptions> named_store(const Context& ctx) {
  store::StoreOptions o;
  if (auto url = ctx.args().value("store"))
    o.url = *url;
  else if (const char* env = std::getenv("KEYDESK_STORE"); env && *env)
    o.url = env;
  else
    return std::nullopt;
  if (auto key = ctx.args().value("master-key")) o.master_key = *key;
  return o;
}

store::StoreOptions store_options(const Context& ctx) {
  if (auto named = named_store(ctx)) return *named;
  store::StoreOptions o;
  if (auto key = ctx.args().value("master-key")) o.master_key = *key;
  return o;
}

store::Actor actor(const Context& ctx) {
  if (auto op = ctx.args().value("operator")) return {*op};
  for (const char* var : {"LOGNAME", "USER"})
    if (const char* v = std::getenv(var); v && *v) return {v};
  if (const passwd* pw = ::getpwuid(::geteuid())) return {pw->pw_name};
  return {"uid-" + std::to_string(::geteuid())};
}

std::string reason(const Context& ctx) {
  return ctx.args().value("reason").value_or("");
}

}  // namespace keydesk::cli
