#include "pskc/xml.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <openssl/crypto.h>

#include <mutex>

#include "pskc/pskc.h"

namespace keydesk::pskc::xml {
namespace {

struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

struct ParseGuard {
  bool saw_doctype = false;
};

// A DOCTYPE is where entity declarations (the "billion laughs" and external entities) live; PSKC has no
// use for one. The SAX hook stops the parser the moment it appears, before any declaration is read.
void on_internal_subset(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* ctxt = static_cast<xmlParserCtxt*>(ctx);
  static_cast<ParseGuard*>(ctxt->_private)->saw_doctype = true;
  xmlStopParser(ctxt);
}
void on_entity_decl(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
  on_internal_subset(ctx, nullptr, nullptr, nullptr);
}

Error xml_error(std::string what) {
  return Error::make(ErrorKind::kMalformed, "PSKC: " + what, static_cast<uint32_t>(Code::kXml));
}

Result<size_t> check_depth(const xmlNode* node, size_t depth, size_t max_depth) {
  if (depth > max_depth)
    return xml_error("elements nested deeper than " + std::to_string(max_depth) + " levels");
  size_t count = 0;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      KD_ASSIGN_OR_RETURN(size_t n, check_depth(c, depth + 1, max_depth));
      count += n;
    } else if (c->type == XML_ENTITY_REF_NODE || c->type == XML_ENTITY_NODE ||
               c->type == XML_XINCLUDE_START) {
      return xml_error("entity references are not accepted");
    }
  }
  return count + 1;
}

std::string qualified(std::string_view local, std::string_view where) {
  return std::string(local) + " in " + std::string(where);
}

}  // namespace

Result<Doc> parse(std::string_view input, size_t max_bytes, size_t max_depth) {
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });
  if (input.size() > max_bytes) return xml_error("file larger than " + std::to_string(max_bytes) + " bytes");
  if (input.size() > static_cast<size_t>(INT32_MAX)) return xml_error("file too large");

  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) return Error::make(ErrorKind::kInternal, "PSKC: libxml2 parser context");
  ParseGuard guard;
  ctxt->_private = &guard;
  ctxt->sax->internalSubset = on_internal_subset;
  ctxt->sax->entityDecl = on_entity_decl;
  // XML_PARSE_NONET: never fetch anything. Not set, on purpose: XML_PARSE_NOENT (substitute entities),
  // XML_PARSE_DTDLOAD / DTDATTR / DTDVALID (read a DTD), XML_PARSE_XINCLUDE, XML_PARSE_HUGE (lifts
  // libxml2's own size and depth limits).
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  Doc doc(
      xmlCtxtReadMemory(ctxt.get(), input.data(), static_cast<int>(input.size()), nullptr, nullptr, options));
  if (guard.saw_doctype) return xml_error("a DOCTYPE is not accepted (no DTDs, no entities)");
  if (!doc || !ctxt->wellFormed) {
    const xmlError* e = xmlCtxtGetLastError(ctxt.get());
    std::string where = e != nullptr ? " at line " + std::to_string(e->line) + " (libxml2 error " +
                                           std::to_string(e->code) + ")"
                                     : "";
    return xml_error("not well-formed XML" + where);
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return xml_error("no root element");
  if (doc->intSubset != nullptr || doc->extSubset != nullptr)
    return xml_error("a DOCTYPE is not accepted (no DTDs, no entities)");
  KD_TRY(check_depth(root, 1, max_depth));
  return doc;
}

bool is(const xmlNode* node, std::string_view ns, std::string_view local) {
  if (node == nullptr || node->type != XML_ELEMENT_NODE) return false;
  const std::string_view name(reinterpret_cast<const char*>(node->name));
  if (name != local) return false;
  if (node->ns == nullptr || node->ns->href == nullptr) return ns.empty();
  return std::string_view(reinterpret_cast<const char*>(node->ns->href)) == ns;
}

std::vector<xmlNode*> elements(const xmlNode* parent) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = parent->children; c != nullptr; c = c->next)
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  return out;
}

std::vector<xmlNode*> children(const xmlNode* parent, std::string_view ns, std::string_view local) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = parent->children; c != nullptr; c = c->next)
    if (is(c, ns, local)) out.push_back(c);
  return out;
}

Result<xmlNode*> optional_child(const xmlNode* parent, std::string_view ns, std::string_view local,
                                std::string_view where) {
  auto found = children(parent, ns, local);
  if (found.size() > 1) return structure_error("more than one " + qualified(local, where));
  return found.empty() ? nullptr : found.front();
}

Result<xmlNode*> required_child(const xmlNode* parent, std::string_view ns, std::string_view local,
                                std::string_view where) {
  KD_ASSIGN_OR_RETURN(xmlNode * node, optional_child(parent, ns, local, where));
  if (node == nullptr) return structure_error("missing " + qualified(local, where));
  return node;
}

namespace {
template <typename Out>
Result<Out> collect_text(const xmlNode* node, std::string_view where) {
  Out out;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      if (c->content != nullptr) {
        std::string_view piece(reinterpret_cast<const char*>(c->content));
        out += piece;
      }
    } else if (c->type == XML_ELEMENT_NODE) {
      return structure_error(std::string(where) + " must hold text, not elements");
    }
  }
  return out;
}
}  // namespace

Result<std::string> text(const xmlNode* node, std::string_view where) {
  return collect_text<std::string>(node, where);
}

Result<SecureString> secret_text(const xmlNode* node, std::string_view where) {
  // Concatenate into a wiping buffer: a secret's base64 text must not linger in freed heap memory.
  std::basic_string<char, std::char_traits<char>, SecureAllocator<char>> buffer;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      if (c->content != nullptr) buffer += reinterpret_cast<const char*>(c->content);
    } else if (c->type == XML_ELEMENT_NODE) {
      return structure_error(std::string(where) + " must hold text, not elements");
    }
  }
  SecureString out(std::string_view(buffer.data(), buffer.size()));
  OPENSSL_cleanse(buffer.data(), buffer.size());
  return out;
}

std::string trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::optional<std::string> attribute(const xmlNode* node, const char* name) {
  // xmlHasNsProp(node, name, NULL) finds the attribute without a namespace, as PSKC attributes are.
  xmlAttr* attr = xmlHasNsProp(node, reinterpret_cast<const xmlChar*>(name), nullptr);
  if (attr == nullptr) return std::nullopt;
  xmlChar* value = xmlNodeListGetString(node->doc, attr->children, 1);
  std::string out = value != nullptr ? reinterpret_cast<const char*>(value) : "";
  xmlFree(value);
  return out;
}

Error structure_error(std::string_view what) {
  return Error::make(ErrorKind::kMalformed, "PSKC: " + std::string(what),
                     static_cast<uint32_t>(Code::kStructure));
}

}  // namespace keydesk::pskc::xml
