// The small part of libxml2 the PSKC reader and writer use: a hardened parse (no network, no DTD, no
// entity expansion, DOCTYPE refused, size and depth bounded) and namespace-aware navigation that matches
// elements by namespace URI and local name, never by prefix.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/secure_bytes.h"

namespace keydesk::pskc::xml {

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

// Errors carry the line number and libxml2's error number, never libxml2's message text (which can quote
// parts of the document).
Result<Doc> parse(std::string_view text, size_t max_bytes, size_t max_depth);

bool is(const xmlNode* node, std::string_view ns, std::string_view local);
// Element children in document order; text, comments and processing instructions are skipped.
std::vector<xmlNode*> elements(const xmlNode* parent);
// The element children named {ns}local.
std::vector<xmlNode*> children(const xmlNode* parent, std::string_view ns, std::string_view local);
// The one child {ns}local, nullptr when absent; an error when it appears more than once.
Result<xmlNode*> optional_child(const xmlNode* parent, std::string_view ns, std::string_view local,
                                std::string_view where);
Result<xmlNode*> required_child(const xmlNode* parent, std::string_view ns, std::string_view local,
                                std::string_view where);

// The text of a leaf element (text and CDATA children); an error when it has element children.
Result<std::string> text(const xmlNode* node, std::string_view where);
// Same for text that is a secret: the copy is wiped when it is released.
Result<SecureString> secret_text(const xmlNode* node, std::string_view where);
// Text with XML whitespace trimmed at both ends (xs:token-like values: ids, numbers, names).
std::string trim(std::string_view s);

// An unqualified attribute; nullopt when absent.
std::optional<std::string> attribute(const xmlNode* node, const char* name);

// Error helpers: kMalformed with pskc::Code::kStructure.
Error structure_error(std::string_view what);

}  // namespace keydesk::pskc::xml
