// PKCS#11 v2.40 §5.7 C_SetAttributeValue. CKA_ID renames the key (POST
// /keys/{id}/move, firmware ≥ 3.0); CKA_LABEL labels it (key_label.hpp: on the
// appliance from 5.0, in process memory before); neither changes the other, and
// nothing else about a key can change. With enable_set_attribute_value the EJBCA /
// SunPKCS11 mode of the seed documentation keeps CKA_ID as an alias (see
// rememberAlias below).
#include "core/api.hpp"
#include "core/attribute_table.hpp"
#include "core/context.hpp"
#include "core/id_codec.hpp"
#include "core/key_label.hpp"
#include "core/object_lookup.hpp"
#include "log/log.hpp"
#include "mech/template_reader.hpp"

namespace p11nethsm::core {
namespace {

struct Change {
  std::optional<Bytes> id;
  std::optional<std::string> label;
};

// The settable attributes (attribute_table.hpp Settable) are collected; any other
// attribute may only restate its value.
Result<Change> parseChange(const Object& object, std::span<const CK_ATTRIBUTE> tmpl) {
  Change change;
  for (const CK_ATTRIBUTE& a : mech::TemplateReader(tmpl)) {
    auto value = mech::TemplateReader::checkedBytes(a);
    if (!value) return value.error();
    const AttributeRule* rule = attributeRule(object.objectClass, a.type);
    const Settable settable = rule ? rule->settable : Settable::kNever;
    if (settable == Settable::kRenamesKey) {
      if (change.id) return ckError(CKR_TEMPLATE_INCONSISTENT, "CKA_ID twice");
      change.id = std::move(value).value();
      continue;
    }
    if (settable == Settable::kRelabelsKey) {
      if (change.label) return ckError(CKR_TEMPLATE_INCONSISTENT, "CKA_LABEL twice");
      change.label = toString(*value);
      continue;
    }
    auto it = object.attributes.find(a.type);
    if (it == object.attributes.end() || object.sensitive.count(a.type))
      return ckError(CKR_ATTRIBUTE_TYPE_INVALID, "attribute not on this object");
    if (it->second != *value) return ckError(CKR_ATTRIBUTE_READ_ONLY, "attribute is read-only");
  }
  return change;
}

Status renameKey(Slot& slot, const std::string& from, const std::string& to) {
  if (from == to) return okStatus();
  auto& client = slot.client();
  if (!client.capabilities().keyMove)
    return ckError(CKR_ATTRIBUTE_READ_ONLY, "renaming keys needs NetHSM firmware 3.0");
  if (auto moved = client.moveKey(from, to); !moved) return moved;
  slot.objects().renameKey(from, to);
  if (auto reloaded = slot.objects().reload(to); !reloaded) return reloaded.error();
  return okStatus();
}

Status applyChange(Slot& slot, const Object& object, const Change& change) {
  std::string id = object.nethsmId;
  if (change.id) {
    auto newId = netHsmIdFromCkaId(*change.id);
    if (!newId) return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_ID cannot name a NetHSM key");
    if (auto renamed = renameKey(slot, id, *newId); !renamed) return renamed;
    // A label derived from the old ID stays the key's label in this process.
    if (!change.label && *newId != id) {
      if (auto it = object.attributes.find(CKA_LABEL); it != object.attributes.end())
        return labelKey(slot, *newId, it->second);
    }
    id = *newId;
  }
  if (!change.label) return okStatus();
  return labelKey(slot, id, toBytes(*change.label));
}

// The alias as key label: only printable ASCII (SunPKCS11 aliases are text).
std::optional<std::string> aliasLabel(const Change& change) {
  if (change.label) return change.label;
  if (!change.id || change.id->empty()) return std::nullopt;
  for (uint8_t c : *change.id)
    if (c < 0x20 || c > 0x7e) return std::nullopt;
  return toString(*change.id);
}

// enable_set_attribute_value (seed 004; EJBCA and SunPKCS11 keytool generate a key,
// then name it with C_SetAttributeValue(CKA_ID / CKA_LABEL) before storing its
// certificate). The answer is always CKR_OK and the alias is remembered in memory, so
// the certificate upload under the alias finds the real key on EVERY firmware. Where
// the firmware can keep the name, it is persisted too, so that another process (a
// later `keytool -list`) sees the alias: from 3.0 the key is moved to the alias (POST
// /keys/{id}/move, the same ID codec as a CKA_ID rename), from 5.0 it is also labelled
// (PUT /keys/{id}/label). Persisting is best effort: a failure is a warning and the
// in-memory alias stays.
void rememberAlias(Slot& slot, const Object& object, const Change& change) {
  std::string id = object.nethsmId;
  if (change.id) slot.setAlias(*change.id, id);
  auto& client = slot.client();
  if (!client.capabilities().keyMove) {
    log::info(
        "C_SetAttributeValue: alias kept in memory only (firmware before 3.0 cannot rename keys)");
    return;
  }
  if (change.id) {
    auto newId = netHsmIdFromCkaId(*change.id);
    if (!newId) {
      log::warn("C_SetAttributeValue: the alias cannot name a NetHSM key; kept in memory only");
      return;
    }
    if (auto renamed = renameKey(slot, id, *newId); !renamed) {
      log::warn("C_SetAttributeValue: key " + id + " not renamed to its alias (" +
                renamed.error().message + "); alias kept in memory only");
      return;
    }
    id = *newId;
    slot.setAlias(*change.id, id);
  }
  auto label = aliasLabel(change);
  if (!label || !client.capabilities().keyLabels) return;
  if (auto set = labelKey(slot, id, toBytes(*label)); !set)
    log::warn("C_SetAttributeValue: key " + id + " not labelled (" + set.error().message + ")");
}

}  // namespace

Status setAttributeValues(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE objectHandle,
                          std::span<const CK_ATTRIBUTE> tmpl) {
  auto ctx = sessionContext(handle);
  if (!ctx) return ctx.error();
  if (!ctx->session->readWrite()) return ckError(CKR_SESSION_READ_ONLY, "read-only session");
  auto object = visibleObject(ctx.value(), objectHandle, CKR_OBJECT_HANDLE_INVALID);
  if (!object) return object.error();
  auto change = parseChange(*object.value(), tmpl);
  if (!change) return change.error();
  // Session objects (in memory, no NetHSM key behind them) keep their attributes.
  if (object.value()->nethsmId.empty() && (change->id || change->label))
    return ckError(CKR_ATTRIBUTE_READ_ONLY, "session objects cannot be changed");
  if (ctx->module->config().enableSetAttributeValue) {
    rememberAlias(ctx->slot(), *object.value(), change.value());
    return okStatus();
  }
  return noteDeviceError(*ctx->session, applyChange(ctx->slot(), *object.value(), change.value()));
}

}  // namespace p11nethsm::core
