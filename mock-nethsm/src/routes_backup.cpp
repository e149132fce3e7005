// POST /system/backup and /system/restore (BEHAVIOUR.md §8). The backup is the store
// as JSON, encrypted with AES-256-GCM under a key derived (PBKDF2) from the backup
// passphrase: "MOCKNETHSM-BACKUP1\n" ‖ salt-hex ‖ "\n" ‖ iv(12) ‖ tag(16) ‖ ciphertext.
#include <openssl/evp.h>

#include "router.hpp"

namespace p11nethsm::mock {
namespace {

const std::string kMagic = "MOCKNETHSM-BACKUP1\n";

std::optional<Bytes> aesGcm(bool encrypt, const Bytes& key, const Bytes& iv, const Bytes& in,
                            Bytes& tag) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes out(in.size() + 16);
  int len = 0, fin = 0;
  bool ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), iv.data(),
                              encrypt ? 1 : 0) == 1 &&
            EVP_CipherUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size())) == 1;
  if (ok && !encrypt) ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()) == 1;
  ok = ok && EVP_CipherFinal_ex(ctx, out.data() + len, &fin) == 1;
  if (ok && encrypt) {
    tag.resize(16);
    ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag.data()) == 1;
  }
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return std::nullopt;
  out.resize(static_cast<size_t>(len + fin));
  return out;
}

void backup(Ctx& ctx) {
  std::string plain, salt, keyHex;
  {
    std::lock_guard<std::mutex> lock(ctx.store().mutex());
    if (ctx.store().backupKey.empty()) return ctx.message(412, "Backup passphrase is not set.");
    plain = ctx.store().toJsonLocked().dump();
    salt = ctx.store().backupKeySalt;
    keyHex = ctx.store().backupKey;
  }
  Bytes iv = randomBytes(12), tag;
  auto sealed = aesGcm(true, *hexDecode(keyHex), iv, toBytes(plain), tag);
  if (!sealed) return ctx.message(500, "Backup encryption failed.");
  std::string out = kMagic + salt + "\n" + toString(iv) + toString(tag) + toString(*sealed);
  ctx.content(200, out, "application/octet-stream");
}

std::optional<nlohmann::json> openBackup(const std::string& file, const std::string& passphrase) {
  if (file.compare(0, kMagic.size(), kMagic) != 0) return std::nullopt;
  size_t nl = file.find('\n', kMagic.size());
  if (nl == std::string::npos || file.size() < nl + 1 + 28) return std::nullopt;
  std::string salt = file.substr(kMagic.size(), nl - kMagic.size());
  Bytes iv = toBytes(file.substr(nl + 1, 12));
  Bytes tag = toBytes(file.substr(nl + 13, 16));
  Bytes key = *hexDecode(Store::deriveBackupKey(passphrase, salt));
  auto plain = aesGcm(false, key, iv, toBytes(file.substr(nl + 29)), tag);
  if (!plain) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(toString(*plain), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

void restore(Ctx& ctx) {
  if (!ctx.req.is_multipart_form_data() || ctx.parts.size() != 2) {
    return ctx.message(400, "Restore needs the arguments and the backup file.");
  }
  nlohmann::json args = nlohmann::json::parse(ctx.parts[0].content, nullptr, false);
  if (args.is_discarded() || !args.is_object() ||
      !args.value("backupPassphrase", nlohmann::json()).is_string()) {
    return ctx.message(400, "Invalid restore arguments.");
  }
  auto restored = openBackup(ctx.parts[1].content, args["backupPassphrase"].get<std::string>());
  if (!restored) return ctx.message(400, "Backup cannot be decrypted with this passphrase.");
  std::lock_guard<std::mutex> lock(ctx.store().mutex());
  Store& s = ctx.store();
  bool full = s.state == HsmState::kUnprovisioned;
  nlohmann::json keepConfig = s.config;
  if (!s.fromJsonLocked(*restored)) return ctx.message(400, "Backup content is invalid.");
  if (full) {
    s.state = HsmState::kLocked;  // a restored device must be unlocked
  } else {
    s.config = keepConfig;  // partial restore: users and keys only
    s.state = HsmState::kOperational;
  }
  s.persistAllLocked();
  ctx.empty(204);
}

}  // namespace

void addBackupRoutes(Router& r) {
  r.add(
      {"POST", "/system/backup", kOperational, Access::kRootBackup, backup, Produces::kOctet, {}});
  r.add({"POST",
         "/system/restore",
         kUnprovisioned | kOperational,
         Access::kRootAdminWhenOperational,
         restore,
         Produces::kJson,
         {"multipart/form-data"},
         false,
         64u << 20});
}

}  // namespace p11nethsm::mock
