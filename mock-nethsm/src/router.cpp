#include "router.hpp"

#include <openssl/evp.h>

#include "codec.hpp"

namespace p11nethsm::mock {
namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

unsigned stateBit(HsmState s) { return 1u << static_cast<unsigned>(s); }

bool knownMethod(const std::string& m) {
  return m == "GET" || m == "POST" || m == "PUT" || m == "DELETE" || m == "HEAD" || m == "PATCH" ||
         m == "OPTIONS";
}

const char* producedType(Produces p) {
  switch (p) {
    case Produces::kJson:
      return "application/json";
    case Produces::kPem:
      return "application/x-pem-file";
    case Produces::kOctet:
      return "application/octet-stream";
  }
  return "application/json";
}

// Webmachine-style Accept matching: absent, */*, type/* or the exact type.
bool acceptable(const std::string& accept, const std::string& type) {
  if (accept.empty()) return true;
  size_t start = 0;
  while (start < accept.size()) {
    size_t end = accept.find(',', start);
    if (end == std::string::npos) end = accept.size();
    std::string item = accept.substr(start, end - start);
    item = item.substr(0, item.find(';'));
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item == "*/*" || item == type || item == type.substr(0, type.find('/')) + "/*") return true;
    start = end + 1;
  }
  return false;
}

std::string etagOf(const std::string& body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), md, &len, EVP_sha256(), nullptr);
  // Built piecewise: g++ 12 -O3 reports a false -Wrestrict on "\"" + std::string.
  std::string tag(1, '"');
  tag += hexEncode(Bytes(md, md + 16));
  tag.push_back('"');
  return tag;
}

}  // namespace

void Router::add(Endpoint endpoint) { endpoints_.push_back(std::move(endpoint)); }

bool Router::matches(const Endpoint& e, const std::string& path, std::vector<std::string>& params,
                     const Firmware& fw) const {
  if (!fw.atLeast(e.minMajor, e.minMinor)) return false;
  auto want = splitPath(e.path);
  auto have = splitPath(path);
  if (want.size() != have.size()) return false;
  params.clear();
  for (size_t i = 0; i < want.size(); ++i) {
    const std::string& w = want[i];
    const std::string& h = have[i];
    if (w.empty() || w[0] != '{') {
      if (w != h) return false;
      continue;
    }
    bool prefix = w.back() == '*';
    if (prefix != (!h.empty() && h.back() == '*')) return false;
    if (h.empty() && !prefix) return false;
    params.push_back(prefix ? h.substr(0, h.size() - 1) : h);
  }
  return true;
}

std::string Router::endpointKey(const std::string& method, const std::string& path,
                                const Firmware& fw) const {
  std::vector<std::string> params;
  for (const auto& e : endpoints_) {
    if (e.method == method && matches(e, path, params, fw)) return method + " " + e.path;
  }
  return method + " <unknown>";
}

bool Router::authorize(Ctx& ctx, const Endpoint& e, HsmState current) const {
  if (e.access == Access::kPublic) return true;
  if (e.access == Access::kRootAdminWhenOperational && current != HsmState::kOperational)
    return true;
  auto result = authenticate(ctx.req.get_header_value("Authorization"), ctx.req.remote_addr,
                             ctx.core.store, ctx.inst.rateLimiter, ctx.caller);
  if (result == AuthResult::kRateLimited) {
    ctx.message(429, "Too many requests");
    return false;
  }
  if (result != AuthResult::kOk) {
    ctx.empty(401);
    ctx.res.set_header("WWW-Authenticate", result == AuthResult::kMissing
                                               ? "Basic realm=\"NetHSM\""
                                               : "Basic realm=\"invalid authorization\"");
    return false;
  }
  const std::string& role = ctx.caller.role;
  bool root = ctx.caller.name.ns.empty();
  bool ok = false;
  switch (e.access) {
    case Access::kPublic:
      ok = true;
      break;
    case Access::kOperator:
      ok = role == "Operator";
      break;
    case Access::kMetrics:
      ok = role == "Metrics";
      break;
    case Access::kAdminOrOperator:
      ok = role == "Administrator" || role == "Operator";
      break;
    case Access::kAdmin:
      ok = role == "Administrator";
      break;
    case Access::kRootAdmin:
    case Access::kRootAdminWhenOperational:
      ok = role == "Administrator" && root;
      break;
    case Access::kRootBackup:
      ok = role == "Backup" && root;
      break;
    case Access::kSelfOrAdmin:
      ok = role == "Administrator" ||
           (role == "Operator" && !ctx.params.empty() && ctx.params[0] == ctx.caller.name.full());
      break;
  }
  if (!ok) ctx.empty(403);
  return ok;
}

bool Router::checkMedia(Ctx& ctx, const Endpoint& e) const {
  if (e.strictType && !e.consumes.empty()) {
    std::string type = ctx.req.get_header_value("Content-Type");
    type = type.substr(0, type.find(';'));
    bool ok = false;
    for (const auto& c : e.consumes) ok = ok || c == type;
    if (!ok) {
      ctx.empty(415);
      return false;
    }
  }
  size_t size = ctx.body.size();
  for (const auto& part : ctx.parts) size += part.content.size();
  if (size > e.maxBody) {
    ctx.empty(413);
    return false;
  }
  if (!acceptable(ctx.req.get_header_value("Accept"), producedType(e.produces))) {
    ctx.empty(406);
    return false;
  }
  return true;
}

void Router::dispatch(Ctx& ctx, const std::string& path) const {
  const Firmware& fw = ctx.core.fw;
  std::vector<std::string> params;
  unsigned states = 0;
  const Endpoint* chosen = nullptr;
  // HEAD is served as GET (httplib drops the body).
  const std::string method = ctx.req.method == "HEAD" ? "GET" : ctx.req.method;
  for (const auto& e : endpoints_) {
    if (!matches(e, path, params, fw)) continue;
    states |= e.states;
    if (e.method == method && chosen == nullptr) {
      chosen = &e;
      ctx.params = params;
    }
  }
  if (states == 0) {
    ctx.content(404, "Not found", "text/plain");
    return;
  }
  HsmState current;
  {
    std::lock_guard<std::mutex> lock(ctx.store().mutex());
    current = ctx.store().state;
  }
  if ((states & stateBit(current)) == 0) return ctx.message(412, "Service not available");
  if (!knownMethod(ctx.req.method)) return ctx.empty(501);
  if (ctx.req.target.size() > 2000) return ctx.empty(414);
  if (chosen == nullptr) return ctx.empty(405);
  // Per-method state (e.g. /system/restore): the resource answers, the method may not.
  if ((chosen->states & stateBit(current)) == 0) return ctx.message(412, "Service not available");
  if (!authorize(ctx, *chosen, current) || !checkMedia(ctx, *chosen)) return;
  try {
    chosen->handler(ctx);
  } catch (const std::exception& ex) {
    ctx.content(503, ex.what(), "text/plain");
  }
  if (chosen->etag && ctx.res.status == 200) {
    std::string tag = etagOf(ctx.res.body);
    ctx.res.set_header("ETag", tag);
    if (ctx.req.get_header_value("If-None-Match") == tag) {
      ctx.res.status = 304;
      ctx.res.body.clear();
    }
  }
}

}  // namespace p11nethsm::mock
