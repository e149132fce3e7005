#pragma once
// A stand-in for the NetHSM key-use endpoints in unit tests: real OpenSSL private-key
// operations with the firmware's input rules (BEHAVIOUR.md §6): PKCS1 pads exactly the
// bytes given (firmware 3.0: wants a bare hash), PSS/ECDSA inputs of exact digest
// length, ECDSA answers DER, RAW decrypt left-pads to the modulus, AES-CBC on whole
// blocks with an explicit IV. It is what lets unit tests check every mechanism against
// OpenSSL without a network; the integration tests do the same against mock-nethsm.
// Thread-safe once its keys are added: block modes call it from several threads.
#include <atomic>
#include <map>
#include <string>

#include "mech/appliance.hpp"
#include "mech/ossl.hpp"

namespace p11nethsm::mech::test {

// The stand-in runs block requests in parallel like production does.
constexpr size_t kBlockRequestWorkersForTests = 4;

class LocalAppliance final : public Appliance {
 public:
  explicit LocalAppliance(nethsm::FirmwareVersion firmware = {4, 0}) : firmware_(firmware) {}

  void addKey(const std::string& id, EVP_PKEY* key);    // takes a reference
  void addSecret(const std::string& id, Bytes secret);  // AES key bytes
  int calls() const { return calls_.load(); }
  void setParallelRequests(size_t n) { parallel_ = n; }
  size_t parallelRequests() const override { return parallel_; }

  Result<Bytes> sign(const std::string& keyId, nethsm::SignMode mode,
                     const Bytes& message) override;
  Result<Bytes> decrypt(const std::string& keyId, nethsm::DecryptMode mode, const Bytes& data,
                        const std::optional<Bytes>& iv) override;
  Result<Bytes> encryptAesCbc(const std::string& keyId, const Bytes& message,
                              const Bytes& iv) override;

 private:
  Result<Bytes> aesCbc(const std::string& keyId, const Bytes& data, const Bytes& iv, bool encrypt);
  nethsm::FirmwareVersion firmware_;
  std::map<std::string, PkeyPtr> keys_;
  std::map<std::string, Bytes> secrets_;
  std::atomic<int> calls_{0};
  size_t parallel_ = kBlockRequestWorkersForTests;
};

// OpenSSL key generation for tests ("RSA" bits, EC group name, "ED25519").
PkeyPtr generateRsa(unsigned bits);
PkeyPtr generateEc(const char* groupName);
PkeyPtr generateEd25519();
Bytes spkiOf(EVP_PKEY* key);
Bytes randomBytes(size_t n);

}  // namespace p11nethsm::mech::test
