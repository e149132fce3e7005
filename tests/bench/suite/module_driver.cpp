#include "module_driver.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace p11nethsm::bench {

ModuleDriver::ModuleDriver(const std::string& modulePath, const MockProcess& mock,
                           const std::string& extraSlotYaml) {
  char path[] = "/tmp/p11nethsm-bench-XXXXXX.conf";
  const int fd = mkstemps(path, 5);
  if (fd < 0) return;
  close(fd);
  configPath_ = path;
  {
    std::ofstream out(configPath_, std::ios::trunc);
    out << "log_level: Warn\nlog_file: \"-\"\nslots:\n  - label: Bench\n";
    out << "    operator:\n      username: operator\n      password: \"" << kOperatorPass << "\"\n";
    out << "    administrator:\n      username: admin\n      password: \"" << kAdminPass << "\"\n";
    out << "    instances:\n";
    for (const auto& instance : mock.instances()) {
      out << "      - url: \"" << instance.url << "\"\n";
      out << "        sha256_fingerprints: [\"" << instance.fingerprint << "\"]\n";
    }
    out << extraSlotYaml;
  }
  setenv("P11NETHSM_CONFIG_FILE", configPath_.c_str(), 1);
  loader_ = std::make_unique<testing::ModuleLoader>(modulePath);
  if (!loader_->ok()) {
    std::fprintf(stderr, "bench: cannot load %s: %s\n", modulePath.c_str(),
                 loader_->error().c_str());
    return;
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  const CK_RV rv = f()->C_Initialize(&args);
  if (rv != CKR_OK) std::fprintf(stderr, "bench: C_Initialize: 0x%lx\n", rv);
  initialized_ = rv == CKR_OK;
}

ModuleDriver::~ModuleDriver() {
  if (initialized_) f()->C_Finalize(nullptr);
  loader_.reset();
  if (!configPath_.empty()) std::remove(configPath_.c_str());
}

CK_SESSION_HANDLE ModuleDriver::openSession() const {
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  if (f()->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session) !=
      CKR_OK)
    return CK_INVALID_HANDLE;
  return session;
}

void ModuleDriver::closeSession(CK_SESSION_HANDLE session) const { f()->C_CloseSession(session); }

CK_OBJECT_HANDLE ModuleDriver::privateKey(CK_SESSION_HANDLE session, const std::string& id) const {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)},
                         {CKA_ID, const_cast<char*>(id.data()), id.size()}};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_ULONG found = 0;
  if (f()->C_FindObjectsInit(session, tmpl, 2) != CKR_OK) return CK_INVALID_HANDLE;
  f()->C_FindObjects(session, &key, 1, &found);
  f()->C_FindObjectsFinal(session);
  return found == 1 ? key : CK_INVALID_HANDLE;
}

bool ModuleDriver::sign(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key,
                        CK_MECHANISM_TYPE mechanism, const std::vector<unsigned char>& data,
                        std::vector<unsigned char>& signature) const {
  CK_MECHANISM mech{mechanism, nullptr, 0};
  if (f()->C_SignInit(session, &mech, key) != CKR_OK) return false;
  CK_ULONG length = signature.capacity() != 0 ? signature.capacity() : 512;
  signature.resize(length);
  const CK_RV rv = f()->C_Sign(session, const_cast<unsigned char*>(data.data()), data.size(),
                               signature.data(), &length);
  if (rv != CKR_OK) return false;
  signature.resize(length);
  return true;
}

ModuleDriver::KeySessions ModuleDriver::keySessions(size_t count, const std::string& id) const {
  KeySessions out;
  for (size_t t = 0; t < count; ++t) {
    out.sessions.push_back(openSession());
    out.keys.push_back(privateKey(out.sessions.back(), id));
    if (out.keys.back() == CK_INVALID_HANDLE) {
      std::fprintf(stderr, "bench: no private key %s in session %zu\n", id.c_str(), t);
      closeSessions(out);
      return {};
    }
  }
  return out;
}

void ModuleDriver::closeSessions(const KeySessions& opened) const {
  for (auto s : opened.sessions) closeSession(s);
}

long ModuleDriver::count(CK_SESSION_HANDLE session, std::vector<CK_ATTRIBUTE> tmpl) const {
  if (f()->C_FindObjectsInit(session, tmpl.data(), tmpl.size()) != CKR_OK) return -1;
  // One buffer per thread for the life of the run: allocating and zeroing 32 KiB on
  // every call cost 33,000 instructions, six times the module's own work in the
  // by-CKA_ID lookup it was meant to time.
  thread_local std::vector<CK_OBJECT_HANDLE> handles(4096);
  long total = 0;
  CK_ULONG found = 0;
  do {
    if (f()->C_FindObjects(session, handles.data(), handles.size(), &found) != CKR_OK) return -1;
    total += static_cast<long>(found);
  } while (found == handles.size());
  f()->C_FindObjectsFinal(session);
  return total;
}

}  // namespace p11nethsm::bench
