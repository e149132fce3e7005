#pragma once
// A slot's object cache (issue 5 §6): objects by handle, by NetHSM key, a full
// listing refreshed after `refresh` and fetched in parallel with bounded concurrency,
// concurrent listings sharing one fetch. Lookups by CKA_ID / CKA_LABEL cost one or
// two requests. A listing whose template cannot match a certificate (CKA_CLASS of a
// key) skips the certificates: N + 1 requests instead of 2N + 1 (issue 11); a later
// search that needs them fetches only the missing certificates. Searches read an
// immutable handle-ordered snapshot of all objects, rebuilt only after a change, so
// a warm listing copies no object and takes no lock while it matches. No lock is
// held during network I/O.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/object.hpp"
#include "nethsm/client.hpp"
#include "util/result.hpp"

namespace p11nethsm::core {

using ObjectPtr = std::shared_ptr<const Object>;

struct StoreOptions {
  std::chrono::seconds refresh{60};
  size_t concurrency = 8;  // parallel requests of a full listing
  bool parallel = true;    // false: disable_threads / disable_thread_pool / no OS threads
};

class ObjectStore {
 public:
  ObjectStore(nethsm::Client& client, StoreOptions options);

  // Every object matching the template (PKCS#11 v2.40 §5.7), private objects only
  // when `includePrivate`.
  Result<std::vector<ObjectPtr>> find(std::span<const CK_ATTRIBUTE> tmpl, bool includePrivate);

  // nullptr when the handle names no object.
  ObjectPtr get(CK_OBJECT_HANDLE handle) const;

  // Fetches the key (and its certificate) again after our own change and returns
  // its objects; an absent key removes its objects.
  Result<std::vector<ObjectPtr>> reload(const std::string& id);
  void forget(const std::string& id);
  // The key was moved (POST /keys/{id}/move): its objects keep their handles.
  void renameKey(const std::string& from, const std::string& to);
  // Remembered for CKA_LOCAL / CKA_ALWAYS_SENSITIVE / CKA_VALUE_LEN.
  void noteGenerated(const std::string& id, std::optional<unsigned> secretBits);
  // A CKA_LABEL given at creation or by C_SetAttributeValue, kept for the life of the
  // process (key_label.hpp); the key's cached objects are rebuilt without I/O.
  void rememberLabel(const std::string& id, Bytes label);
  // The namespace whose keys the read credentials see ("" = root, "ns1" for
  // "ns1~operator"). A change drops every cached object: another namespace's keys are
  // not visible. Handles and remembered facts are kept per namespace.
  void setNamespace(const std::string& ns);
  // Makes the next full listing fetch again (e.g. after C_Login).
  void invalidateListing();

  size_t cachedKeyCount() const;

 private:
  struct Entry {
    KeySource source;
    bool certificateKnown = false;
    std::chrono::steady_clock::time_point fetched;
    std::vector<ObjectPtr> objects;
  };
  struct Listing {
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;
    bool withCertificates = false;  // what it fetches
    std::optional<Error> error;
  };
  using Snapshot = std::shared_ptr<const std::vector<ObjectPtr>>;

  Result<std::optional<KeySource>> fetchKey(const std::string& id, bool withCertificate);
  Status fetchCertificate(KeySource& source);
  // A key's objects, built outside the lock, before handles are assigned.
  struct Prepared {
    KeySource source;
    bool certificateKnown = false;
    std::vector<Object> objects;
  };
  Result<std::vector<std::optional<Prepared>>> fetchAll(bool withCertificates);
  // Runs fn(i) for i in [0, n) on up to options_.concurrency threads.
  void parallelFor(size_t n, const std::function<void(size_t)>& fn) const;
  Result<std::vector<ObjectPtr>> entryObjects(const std::string& id, bool withCertificate);
  Status refreshAll(bool withCertificates);
  Status fetchListing(bool withCertificates, uint64_t generation);
  Status fetchMissingCertificates(uint64_t generation);
  bool listingFreshLocked(bool withCertificates) const;
  // Every object in handle order (listing and matching without the lock).
  Result<Snapshot> listing(bool withCertificates);
  Result<std::vector<ObjectPtr>> candidates(std::optional<CK_OBJECT_CLASS> cls,
                                            const CK_ATTRIBUTE* id, const CK_ATTRIBUTE* label);

  void completeSourceLocked(KeySource& source, bool& certificateKnown) const;
  Prepared prepare(KeySource source, bool certificateKnown);
  std::vector<ObjectPtr> installLocked(KeySource source, bool certificateKnown);
  std::vector<ObjectPtr> installLocked(Prepared prepared);
  // `id` qualified by the current namespace: the key of the per-key maps below.
  std::string scopedLocked(const std::string& id) const;
  Result<std::vector<ObjectPtr>> labelCandidates(const std::string& label, bool withCertificate);
  // A key (or its certificate) the module cannot represent: warned about once per
  // key until it can be represented again (issue 12 §1 "skipped with one warning").
  void noteSkipped(const std::string& id, const std::string& why);
  void eraseLocked(const std::string& id);
  bool freshLocked(std::chrono::steady_clock::time_point t) const;

  nethsm::Client& client_;
  StoreOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::map<CK_OBJECT_HANDLE, ObjectPtr> byHandle_;  // ordered: snapshots in handle order
  std::map<std::pair<std::string, CK_OBJECT_CLASS>, CK_OBJECT_HANDLE> handles_;
  std::set<std::string> generated_;
  std::set<std::string> skipped_;
  std::map<std::string, unsigned> secretBits_;
  std::map<std::string, Bytes> labels_;
  std::string namespace_;
  uint64_t generation_ = 0;  // bumped by setNamespace: answers fetched before are dropped
  std::optional<std::chrono::steady_clock::time_point> listedAt_;
  bool certificatesListed_ = false;  // the listing at listedAt_ includes every certificate
  std::shared_ptr<Listing> listing_;
  Snapshot snapshot_;  // null after any change to the objects
};

}  // namespace p11nethsm::core
