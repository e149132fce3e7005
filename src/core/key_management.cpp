// PKCS#11 v2.40 §5.7 (C_CreateObject, C_DestroyObject, C_SetAttributeValue) and §5.14
// (C_GenerateKeyPair, C_GenerateKey): templates become NetHSM requests in mech
// (keygen.hpp); here the ID codec names the key, the client sends the request with
// the administrator credentials (also after a CKU_USER login when the configuration
// has them, client-quirks.md "keytool and EJBCA log in only as CKU_USER"), and the
// object cache learns the result at once.
#include "core/api.hpp"
#include "core/certificate.hpp"
#include "core/context.hpp"
#include "core/id_codec.hpp"
#include "core/key_label.hpp"
#include "core/object_lookup.hpp"
#include "log/log.hpp"
#include "mech/keygen.hpp"
#include "mech/public_key.hpp"
#include "mech/template_reader.hpp"

namespace p11nethsm::core {
namespace {

using Template = std::span<const CK_ATTRIBUTE>;
using mech::TemplateReader;

// Object creation reads the first occurrence of an attribute (template_reader.hpp).
TemplateReader reader(Template tmpl) {
  return TemplateReader(tmpl, TemplateReader::Occurrence::kFirst);
}

Result<SessionContext> writableContext(CK_SESSION_HANDLE handle) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  if (!ctx->session->readWrite()) return ckError(CKR_SESSION_READ_ONLY, "read-only session");
  return ctx;
}

// The NetHSM ID for new keys: CKA_ID, else CKA_LABEL, else the appliance picks
// (competitor.md §1.9). In enable_set_attribute_value mode the names are ignored
// (seed 004) and set later through aliases.
Result<std::string> newKeyId(const SessionContext& ctx, std::initializer_list<Template> tmpls) {
  if (ctx.module->config().enableSetAttributeValue) return std::string();
  for (CK_ATTRIBUTE_TYPE type : {CKA_ID, CKA_LABEL}) {
    for (Template t : tmpls) {
      const CK_ATTRIBUTE* a = reader(t).find(type);
      if (!a || a->ulValueLen == 0) continue;
      auto id = netHsmIdFromCkaId(TemplateReader::valueBytes(*a));
      if (!id) return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_ID cannot name a NetHSM key");
      return *id;
    }
  }
  return std::string();
}

// The new key's CKA_LABEL (the first template that has one; one label per key).
std::optional<Bytes> newKeyLabel(std::initializer_list<Template> tmpls) {
  for (Template t : tmpls)
    if (const CK_ATTRIBUTE* a = reader(t).find(CKA_LABEL); a && a->ulValueLen && a->pValue)
      return TemplateReader::valueBytes(*a);
  return std::nullopt;
}

// Firmware with key labels stores the label with the new key
// (GenerateKeyRequest::label), cut to what the appliance holds (key_label.hpp); the
// whole label is remembered afterwards.
std::optional<std::string> requestLabel(nethsm::Client& client, const std::optional<Bytes>& label) {
  if (!label) return std::nullopt;
  return client.capabilities().storedLabel(toString(*label));
}

// The created key's objects, with the label this process gave it.
Result<std::vector<ObjectPtr>> createdObjects(const SessionContext& ctx, const std::string& id,
                                              const std::optional<Bytes>& label) {
  if (label) ctx.slot().objects().rememberLabel(id, *label);
  return ctx.slot().objects().reload(id);
}

Result<CK_OBJECT_HANDLE> handleOfClass(const std::vector<ObjectPtr>& objects, CK_OBJECT_CLASS cls) {
  for (const auto& o : objects)
    if (o->objectClass == cls) return o->handle;
  return ckError(CKR_GENERAL_ERROR, "created key not visible");
}

// CKO_CERTIFICATE: attached to the key with the same CKA_ID (or the alias set by
// C_SetAttributeValue), stored in the slot's certificate_format.
Result<CK_OBJECT_HANDLE> createCertificate(const SessionContext& ctx, Template tmpl) {
  const TemplateReader tpl = reader(tmpl);
  const CK_ATTRIBUTE* value = tpl.find(CKA_VALUE);
  const CK_ATTRIBUTE* id = tpl.find(CKA_ID);
  if (!value || !id || !value->pValue || !id->pValue)
    return ckError(CKR_TEMPLATE_INCOMPLETE, "a certificate needs CKA_VALUE and CKA_ID");
  if (const CK_ATTRIBUTE* type = tpl.find(CKA_CERTIFICATE_TYPE); type && type->pValue) {
    auto x509 = tpl.ulong(CKA_CERTIFICATE_TYPE);
    if (!x509 || **x509 != CKC_X_509)
      return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "only X.509 certificates");
  }
  Bytes ckaId = TemplateReader::valueBytes(*id);
  auto keyId = ctx.slot().aliasTarget(ckaId);
  if (!keyId) keyId = netHsmIdFromCkaId(ckaId);
  if (!keyId) return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_ID cannot name a NetHSM key");
  Bytes der = TemplateReader::valueBytes(*value);
  if (!parseCertificate(der)) return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE is not DER");
  Bytes stored = der;
  if (ctx.slot().config().certificateFormat == config::CertificateFormat::kPem) {
    auto pem = certificateDerToPem(der);
    if (!pem) return pem.error();
    stored = std::move(pem).value();
  }
  auto put = ctx.slot().client().putCertificate(*keyId, stored);
  if (!put) {
    // NetHSM stores certificates per key: no key, no certificate (competitor #183).
    if (put.error().kind == ErrorKind::kNotFound)
      return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "no key with this CKA_ID for the certificate");
    return put.error();
  }
  // One label per key: the certificate's CKA_LABEL names the key pair. SunPKCS11
  // stores a key entry as a certificate with CKA_LABEL = alias and lists aliases
  // from certificate labels (keytool -list, issue 9).
  if (const CK_ATTRIBUTE* label = tpl.find(CKA_LABEL); label && label->pValue) {
    if (auto labelled = labelKey(ctx.slot(), *keyId, TemplateReader::valueBytes(*label)); !labelled)
      log::warn("C_CreateObject: certificate stored, key " + *keyId + " not labelled (" +
                labelled.error().message + ")");
  }
  auto objects = ctx.slot().objects().reload(*keyId);
  if (!objects) return objects.error();
  return handleOfClass(objects.value(), CKO_CERTIFICATE);
}

Result<CK_OBJECT_HANDLE> importKey(const SessionContext& ctx, Template tmpl, CK_OBJECT_CLASS cls) {
  auto& client = ctx.slot().client();
  auto request = mech::keyImportRequest(tmpl, client.capabilities());
  if (!request) return request.error();
  auto id = newKeyId(ctx, {tmpl});
  if (!id) return id.error();
  request->id = id.value();
  auto label = newKeyLabel({tmpl});
  request->label = requestLabel(client, label);
  auto imported = client.importKey(request.value());
  if (!imported) return imported.error();
  auto objects = createdObjects(ctx, imported.value(), label);
  if (!objects) return objects.error();
  return handleOfClass(objects.value(), cls);
}

// CKA_TOKEN=FALSE given (a session object asked for).
bool tokenFalse(Template tmpl) {
  auto token = reader(tmpl).boolean(CKA_TOKEN);
  return token && token->has_value() && !**token;
}

// CKO_PUBLIC_KEY: a NetHSM cannot store a public key alone (its keys are pairs), so
// only session public keys exist (CKA_TOKEN=FALSE, the default of PKCS#11 v2.40 §4.4):
// kept in memory for local C_Verify / C_Encrypt, gone when their session closes.
// SunPKCS11's Signature.initVerify(PublicKey) creates one. Session objects may be
// created in read-only sessions too (§5.7).
Result<CK_OBJECT_HANDLE> createSessionPublicKey(const SessionContext& ctx, Template tmpl) {
  if (reader(tmpl).has(CKA_TOKEN) && !tokenFalse(tmpl)) {
    log::warn(
        "C_CreateObject: a NetHSM cannot store a public key without its private key "
        "(CKA_TOKEN=TRUE refused; CKA_TOKEN=FALSE makes a session public key)");
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "public keys can only be session objects");
  }
  auto parsed = mech::publicKeyFromTemplate(tmpl);
  if (!parsed) return parsed.error();
  const TemplateReader tpl = reader(tmpl);
  Object object =
      sessionPublicKey(parsed->type, parsed->attributes, tpl.bytes(CKA_ID).value_or(Bytes()),
                       tpl.bytes(CKA_LABEL).value_or(Bytes()));
  return ctx.slot().addSessionObject(std::move(object), ctx.session->handle);
}

// CKA_TOKEN=FALSE in a generation template asks for a session key, which the NetHSM
// does not have: every key lives on the appliance. SunPKCS11 (keytool, EJBCA)
// generates with CKA_TOKEN=FALSE and then stores the key through its KeyStore, so
// refusing would break it; the key is made on the appliance, reads CKA_TOKEN=TRUE and
// outlives the session.
void noteSessionKeyRequest(std::initializer_list<Template> tmpls) {
  for (Template t : tmpls) {
    if (tokenFalse(t)) {
      log::info("key generation: CKA_TOKEN=FALSE ignored, NetHSM keys are always token objects");
      return;
    }
  }
}

}  // namespace

Result<CK_OBJECT_HANDLE> createObject(CK_SESSION_HANDLE handle, Template tmpl) {
  auto cls = reader(tmpl).ulong(CKA_CLASS);
  bool classKnown = cls && cls->has_value();
  CK_OBJECT_CLASS objectClass = classKnown ? **cls : CKO_DATA;
  if (classKnown && objectClass == CKO_PUBLIC_KEY) {
    auto ctx = sessionContext(handle);
    if (!ctx) return ctx.error();
    return createSessionPublicKey(ctx.value(), tmpl);
  }
  auto ctx = writableContext(handle);
  if (!ctx) return ctx.error();
  if (!classKnown) return ckError(CKR_TEMPLATE_INCOMPLETE, "CKA_CLASS missing");
  Result<CK_OBJECT_HANDLE> created = ckError(CKR_ATTRIBUTE_VALUE_INVALID, "object class");
  if (objectClass == CKO_CERTIFICATE) {
    created = createCertificate(ctx.value(), tmpl);
  } else if (objectClass == CKO_PRIVATE_KEY || objectClass == CKO_SECRET_KEY) {
    created = importKey(ctx.value(), tmpl, objectClass);
  } else {
    log::warn("C_CreateObject: only keys and certificates");
  }
  return noteDeviceError(*ctx->session, std::move(created));
}

Status destroyObject(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE objectHandle) {
  {
    auto ctx = sessionContext(handle);
    if (!ctx) return ctx.error();
    // Session objects may be destroyed in read-only sessions too (§5.7).
    if (ctx->slot().destroySessionObject(objectHandle)) return okStatus();
  }
  auto ctx = writableContext(handle);
  if (!ctx) return ctx.error();
  auto object = visibleObject(ctx.value(), objectHandle, CKR_OBJECT_HANDLE_INVALID);
  if (!object) return object.error();
  const std::string& id = object.value()->nethsmId;
  auto& client = ctx->slot().client();
  Status done = okStatus();
  switch (object.value()->objectClass) {
    case CKO_CERTIFICATE:
      done = client.deleteCertificate(id);
      if (done) (void)ctx->slot().objects().reload(id);  // a failure shows at the next search
      break;
    case CKO_PUBLIC_KEY:
      // The public half cannot go without the private one on a NetHSM.
      return ckError(CKR_ACTION_PROHIBITED, "delete the private key instead");
    default:
      done = client.deleteKey(id);
      if (done || done.error().kind == ErrorKind::kNotFound) {
        ctx->slot().objects().forget(id);
        done = okStatus();
      }
  }
  return noteDeviceError(*ctx->session, std::move(done));
}

Result<std::pair<CK_OBJECT_HANDLE, CK_OBJECT_HANDLE>> generateKeyPair(CK_SESSION_HANDLE handle,
                                                                      const CK_MECHANISM* mechanism,
                                                                      Template publicTemplate,
                                                                      Template privateTemplate) {
  auto ctx = writableContext(handle);
  if (!ctx) return ctx.error();
  if (!mechanism) return ckError(CKR_ARGUMENTS_BAD, "no mechanism");
  auto& client = ctx->slot().client();
  auto request = mech::keyPairGenerateRequest(*mechanism, publicTemplate, privateTemplate,
                                              client.capabilities());
  if (!request) return request.error();
  noteSessionKeyRequest({publicTemplate, privateTemplate});
  auto id = newKeyId(ctx.value(), {privateTemplate, publicTemplate});
  if (!id) return id.error();
  request->id = id.value();
  auto label = newKeyLabel({privateTemplate, publicTemplate});
  request->label = requestLabel(client, label);
  auto generated = noteDeviceError(*ctx->session, client.generateKey(request.value()));
  if (!generated) return generated.error();
  ctx->slot().objects().noteGenerated(generated.value(), std::nullopt);
  auto objects = createdObjects(ctx.value(), generated.value(), label);
  if (!objects) return objects.error();
  auto pub = handleOfClass(objects.value(), CKO_PUBLIC_KEY);
  auto priv = handleOfClass(objects.value(), CKO_PRIVATE_KEY);
  if (!pub || !priv) return ckError(CKR_GENERAL_ERROR, "generated key pair not visible");
  return std::make_pair(pub.value(), priv.value());
}

Result<CK_OBJECT_HANDLE> generateKey(CK_SESSION_HANDLE handle, const CK_MECHANISM* mechanism,
                                     Template tmpl) {
  auto ctx = writableContext(handle);
  if (!ctx) return ctx.error();
  if (!mechanism) return ckError(CKR_ARGUMENTS_BAD, "no mechanism");
  auto& client = ctx->slot().client();
  auto request = mech::secretKeyGenerateRequest(*mechanism, tmpl);
  if (!request) return request.error();
  noteSessionKeyRequest({tmpl});
  auto id = newKeyId(ctx.value(), {tmpl});
  if (!id) return id.error();
  request->id = id.value();
  auto label = newKeyLabel({tmpl});
  request->label = requestLabel(client, label);
  auto generated = noteDeviceError(*ctx->session, client.generateKey(request.value()));
  if (!generated) return generated.error();
  ctx->slot().objects().noteGenerated(generated.value(), request->length);
  auto objects = createdObjects(ctx.value(), generated.value(), label);
  if (!objects) return objects.error();
  return handleOfClass(objects.value(), CKO_SECRET_KEY);
}

}  // namespace p11nethsm::core
