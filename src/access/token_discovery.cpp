#include "access/token_discovery.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"

namespace keydesk::access {
namespace {

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != haystack.end();
}

std::string indexes(const std::vector<TokenInfo>& tokens) {
  std::string out;
  for (const auto& t : tokens)
    out += (out.empty() ? "" : ", ") + std::to_string(t.index) + " (" + t.reader + ")";
  return out;
}

}  // namespace

Result<TokenInfo> choose_token(const std::vector<TokenInfo>& tokens, std::optional<int> index,
                               const std::optional<std::string>& reader, bool allow_first_of_several) {
  if (tokens.empty())
    return Error::make(ErrorKind::kNoToken, "no token found (is the key plugged in? pcscd running?)");
  if (index) {
    auto it =
        std::find_if(tokens.begin(), tokens.end(), [&](const TokenInfo& t) { return t.index == *index; });
    if (it == tokens.end())
      return Error::make(ErrorKind::kNoToken,
                         "no token with index " + std::to_string(*index) + "; tokens: " + indexes(tokens));
    return *it;
  }
  if (reader) {
    std::vector<TokenInfo> matching;
    std::copy_if(tokens.begin(), tokens.end(), std::back_inserter(matching),
                 [&](const TokenInfo& t) { return contains_ignoring_case(t.reader, *reader); });
    if (matching.empty())
      return Error::make(ErrorKind::kNoToken, "no token in a reader matching " + quoted_text(*reader));
    if (matching.size() > 1)
      return Error::make(ErrorKind::kUsage, "several readers match " + quoted_text(*reader) + ": " +
                                                indexes(matching) + "; use -t");
    return matching.front();
  }
  if (tokens.size() > 1 && !allow_first_of_several)
    return Error::make(ErrorKind::kUsage,
                       "several tokens are connected: " + indexes(tokens) + "; choose one with -t INDEX");
  return tokens.front();
}

std::vector<TokenInfo> merge_tokens(const std::vector<transport::ReaderStatus>& readers,
                                    const std::vector<FidoDevice>& fido_devices) {
  std::vector<TokenInfo> tokens;
  for (const auto& r : readers)
    if (r.card_present) tokens.push_back({static_cast<int>(tokens.size()), r.name, r.atr, {}, {}});
  std::vector<bool> paired(fido_devices.size(), false);
  for (auto& t : tokens) {
    for (size_t i = 0; i < fido_devices.size(); ++i) {
      if (paired[i] || fido_devices[i].product.empty() ||
          !contains_ignoring_case(t.reader, fido_devices[i].product))
        continue;
      t.fido_path = fido_devices[i].path;
      t.fido_product = fido_devices[i].product;
      paired[i] = true;
      break;
    }
  }
  if (tokens.size() == 1 && fido_devices.size() == 1 && tokens[0].fido_path.empty() && !paired[0]) {
    tokens[0].fido_path = fido_devices[0].path;
    tokens[0].fido_product = fido_devices[0].product;
    paired[0] = true;
  }
  for (size_t i = 0; i < fido_devices.size(); ++i)
    if (!paired[i])
      tokens.push_back(
          {static_cast<int>(tokens.size()), {}, {}, fido_devices[i].path, fido_devices[i].product});
  return tokens;
}

}  // namespace keydesk::access
