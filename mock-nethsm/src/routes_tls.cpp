// /config/tls/*: the instance's own HTTPS identity (BEHAVIOUR.md §8). A new
// certificate or key applies to the next TLS handshakes of that instance.
#include <openssl/pem.h>

#include "key_ops.hpp"
#include "router.hpp"

namespace p11nethsm::mock {
namespace {

void publicPem(Ctx& ctx) {
  auto km = KeyMaterial::fromPkey(ctx.inst.identity().key);
  auto pem = km ? km->publicPem() : std::nullopt;
  if (!pem) return ctx.message(500, "TLS key type not supported.");
  ctx.content(200, *pem, "application/x-pem-file");
}

void putCertificate(Ctx& ctx) {
  BIO* bio = BIO_new_mem_buf(ctx.body.data(), static_cast<int>(ctx.body.size()));
  std::shared_ptr<X509> cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr), &X509_free);
  BIO_free(bio);
  TlsIdentity id = ctx.inst.identity();
  if (!cert || X509_check_private_key(cert.get(), id.key.get()) != 1) {
    return ctx.message(400, "Certificate does not match the TLS key.");
  }
  id.cert = cert;
  ctx.inst.setIdentity(id);
  ctx.empty(201);
}

void csr(Ctx& ctx) {
  auto dn =
      ctx.jsonBody({"countryName", "stateOrProvinceName", "localityName", "organizationName",
                    "organizationalUnitName", "commonName", "emailAddress", "subjectAltNames"});
  if (!dn) return;
  auto km = KeyMaterial::fromPkey(ctx.inst.identity().key);
  OpResult r = km ? makeCsr(*km, *dn) : OpResult{};
  if (!r.ok) return ctx.message(400, r.message.empty() ? "CSR generation failed." : r.message);
  ctx.content(200, toString(r.output), "application/x-pem-file");
}

void generate(Ctx& ctx) {
  auto body = ctx.jsonBody({"type", "length"});
  if (!body) return;
  auto type = parseKeyType(body->value("type", ""));
  bool allowed = type && *type != KeyType::kGeneric && *type != KeyType::kEcP224 &&
                 *type != KeyType::kEcP256K1;
  if (!allowed) return ctx.message(400, "Invalid TLS key type.");
  int length = body->contains("length") && (*body)["length"].is_number_integer()
                   ? (*body)["length"].get<int>()
                   : 2048;
  std::string error;
  auto km = KeyMaterial::generate(*type, length, error);
  if (!km) return ctx.message(400, error);
  auto id = TlsIdentity::selfSigned(wrapPkey(EVP_PKEY_dup(km->pkey())));
  if (!id) return ctx.message(500, "Certificate generation failed.");
  ctx.inst.setIdentity(*id);
  ctx.empty(204);
}

}  // namespace

void addTlsConfigRoutes(Router& r) {
  const std::vector<std::string> pem{"application/x-pem-file"};
  const std::vector<std::string> json{"application/json"};
  r.add({"GET", "/config/tls/public.pem", kOperational, Access::kRootAdmin, publicPem,
         Produces::kPem});
  r.add({"GET", "/config/tls/cert.pem", kOperational, Access::kRootAdmin,
         [](Ctx& ctx) {
           ctx.content(200, ctx.inst.identity().certificatePem(), "application/x-pem-file");
         },
         Produces::kPem});
  r.add({"PUT", "/config/tls/cert.pem", kOperational, Access::kRootAdmin, putCertificate,
         Produces::kJson, pem, true});
  r.add({"POST", "/config/tls/csr.pem", kOperational, Access::kRootAdmin, csr, Produces::kPem});
  r.add({"POST", "/config/tls/generate", kOperational, Access::kRootAdmin, generate,
         Produces::kJson, json});
}

}  // namespace p11nethsm::mock
