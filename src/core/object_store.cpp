#include "core/object_store.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include "core/error_map.hpp"
#include "core/id_codec.hpp"
#include "log/log.hpp"

namespace p11nethsm::core {
namespace {

// Object handles are unique in the process and never reused (DESIGN.md "Handles").
CK_OBJECT_HANDLE nextObjectHandle() {
  static std::atomic<CK_OBJECT_HANDLE> next{1};
  return next.fetch_add(1);
}

const CK_ATTRIBUTE* findAttribute(std::span<const CK_ATTRIBUTE> tmpl, CK_ATTRIBUTE_TYPE type) {
  for (const auto& a : tmpl)
    if (a.type == type) return &a;
  return nullptr;
}

bool sameHandleOrder(const ObjectPtr& a, const ObjectPtr& b) { return a->handle < b->handle; }

}  // namespace

ObjectStore::ObjectStore(nethsm::Client& client, StoreOptions options)
    : client_(client), options_(options) {}

bool ObjectStore::freshLocked(std::chrono::steady_clock::time_point t) const {
  return std::chrono::steady_clock::now() - t < options_.refresh;
}

Result<std::optional<KeySource>> ObjectStore::fetchKey(const std::string& id, bool withCert) {
  auto key = client_.getKey(id);
  if (!key) {
    if (key.error().kind == ErrorKind::kNotFound) return std::optional<KeySource>();
    return key.error();
  }
  KeySource source;
  source.key = std::move(key).value();
  if (withCert) {
    auto cert = client_.getCertificate(id);
    if (!cert) {
      if (cert.error().kind != ErrorKind::kNotFound) return cert.error();
    } else {
      source.certificate = std::move(cert).value();
    }
  }
  return std::optional<KeySource>(std::move(source));
}

void ObjectStore::completeSourceLocked(KeySource& source, bool& certificateKnown) const {
  const std::string& id = source.key.id;
  auto old = entries_.find(id);
  if (!certificateKnown && old != entries_.end() && old->second.certificateKnown) {
    source.certificate = old->second.source.certificate;  // keep what we knew
    certificateKnown = true;
  }
  source.generatedHere = generated_.count(id) > 0;
  if (auto bits = secretBits_.find(id); bits != secretBits_.end()) source.secretBits = bits->second;
}

// Objects are built without the lock (a listing builds them on its fetch threads);
// installing only assigns handles.
ObjectStore::Prepared ObjectStore::prepare(KeySource source, bool certificateKnown) {
  {
    std::lock_guard lock(mutex_);
    completeSourceLocked(source, certificateKnown);
  }
  std::vector<Object> objects = buildObjects(source);
  return Prepared{std::move(source), certificateKnown, std::move(objects)};
}

std::vector<ObjectPtr> ObjectStore::installLocked(KeySource source, bool certificateKnown) {
  completeSourceLocked(source, certificateKnown);
  std::vector<Object> objects = buildObjects(source);
  return installLocked(Prepared{std::move(source), certificateKnown, std::move(objects)});
}

std::vector<ObjectPtr> ObjectStore::installLocked(Prepared prepared) {
  KeySource& source = prepared.source;
  const std::string id = source.key.id;
  Entry entry;
  entry.certificateKnown = prepared.certificateKnown;
  entry.fetched = std::chrono::steady_clock::now();
  for (auto& object : prepared.objects) {
    auto key = std::make_pair(id, object.objectClass);
    auto h = handles_.find(key);
    object.handle = h != handles_.end() ? h->second : (handles_[key] = nextObjectHandle());
    entry.objects.push_back(std::make_shared<const Object>(std::move(object)));
  }
  if (source.certificate && entry.objects.back()->objectClass != CKO_CERTIFICATE)
    log::warn("certificate of key " + id + " cannot be parsed; not shown");
  entry.source = std::move(source);
  eraseLocked(id);
  for (const auto& o : entry.objects) {
    byHandle_[o->handle] = o;
    handles_[{id, o->objectClass}] = o->handle;
  }
  auto objects = entry.objects;
  entries_[id] = std::move(entry);
  snapshot_.reset();
  return objects;
}

void ObjectStore::eraseLocked(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  for (const auto& o : it->second.objects) {
    byHandle_.erase(o->handle);
    handles_.erase({id, o->objectClass});
  }
  entries_.erase(it);
  snapshot_.reset();
}

Result<std::vector<ObjectPtr>> ObjectStore::entryObjects(const std::string& id, bool withCert) {
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it != entries_.end() && freshLocked(it->second.fetched) &&
        (it->second.certificateKnown || !withCert))
      return it->second.objects;
  }
  auto fetched = fetchKey(id, withCert);
  if (!fetched) return fetched.error();
  std::lock_guard lock(mutex_);
  if (!fetched.value()) {
    eraseLocked(id);
    return std::vector<ObjectPtr>();
  }
  return installLocked(std::move(*fetched.value()), withCert);
}

void ObjectStore::parallelFor(size_t n, const std::function<void(size_t)>& fn) const {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  size_t threads = options_.parallel ? std::min(options_.concurrency, n) : 0;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

Result<std::vector<std::optional<ObjectStore::Prepared>>> ObjectStore::fetchAll(
    bool withCertificates) {
  auto ids = client_.listKeys();
  if (!ids) return ids.error();
  const auto& list = ids.value();
  std::vector<std::optional<Prepared>> out(list.size());
  std::vector<std::optional<Error>> errors(list.size());
  parallelFor(list.size(), [&](size_t i) {
    auto r = fetchKey(list[i], withCertificates);
    if (!r) errors[i] = r.error();
    else if (r.value()) out[i] = prepare(std::move(*r.value()), withCertificates);
  });
  for (auto& e : errors)
    if (e) return *e;
  return out;
}

bool ObjectStore::listingFreshLocked(bool withCertificates) const {
  return listedAt_ && freshLocked(*listedAt_) && (certificatesListed_ || !withCertificates);
}

// One listing at a time; concurrent callers share it (issue 5 §6). A caller that needs
// certificates after a listing without them fetches just the certificates.
Status ObjectStore::refreshAll(bool withCertificates) {
  while (true) {
    std::shared_ptr<Listing> job;
    bool keysFresh = false;
    {
      std::lock_guard lock(mutex_);
      if (listingFreshLocked(withCertificates)) return okStatus();
      if (!listing_) {
        listing_ = std::make_shared<Listing>();
        listing_->withCertificates = withCertificates;
        keysFresh = listedAt_ && freshLocked(*listedAt_);
      } else {
        job = listing_;
      }
    }
    if (!job) {  // ours
      Status status = keysFresh ? fetchMissingCertificates() : fetchListing(withCertificates);
      std::shared_ptr<Listing> finished;
      {
        std::lock_guard lock(mutex_);
        finished.swap(listing_);
      }
      {
        std::lock_guard lock(finished->mutex);
        finished->finished = true;
        if (!status) finished->error = status.error();
      }
      finished->done.notify_all();
      return status;
    }
    std::unique_lock lock(job->mutex);  // another thread fetches: share its result
    job->done.wait(lock, [&] { return job->finished; });
    if (job->error) return *job->error;
    if (job->withCertificates || !withCertificates) return okStatus();
  }  // its listing lacked the certificates we need
}

Status ObjectStore::fetchListing(bool withCertificates) {
  auto all = fetchAll(withCertificates);
  if (!all) return all.error();
  std::lock_guard lock(mutex_);
  std::set<std::string> seen;
  for (auto& prepared : all.value()) {
    if (!prepared) continue;
    seen.insert(prepared->source.key.id);
    installLocked(std::move(*prepared));
  }
  std::vector<std::string> gone;
  for (const auto& [id, entry] : entries_)
    if (!seen.count(id)) gone.push_back(id);
  for (const auto& id : gone) eraseLocked(id);
  listedAt_ = std::chrono::steady_clock::now();
  certificatesListed_ = withCertificates;
  return okStatus();
}

// GET /keys/{id}/cert for every listed key whose certificate is not known yet.
Status ObjectStore::fetchMissingCertificates() {
  std::vector<KeySource> sources;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, entry] : entries_)
      if (!entry.certificateKnown) sources.push_back(entry.source);
  }
  std::vector<std::optional<Error>> errors(sources.size());
  std::vector<std::optional<Prepared>> prepared(sources.size());
  parallelFor(sources.size(), [&](size_t i) {
    auto cert = client_.getCertificate(sources[i].key.id);
    if (!cert && cert.error().kind != ErrorKind::kNotFound) {
      errors[i] = cert.error();
      return;
    }
    if (cert) sources[i].certificate = std::move(cert).value();
    prepared[i] = prepare(std::move(sources[i]), true);
  });
  for (auto& e : errors)
    if (e) return *e;
  std::lock_guard lock(mutex_);
  for (auto& p : prepared)
    if (p && entries_.count(p->source.key.id)) installLocked(std::move(*p));
  certificatesListed_ = true;
  return okStatus();
}

Result<ObjectStore::Snapshot> ObjectStore::listing(bool withCertificates) {
  if (auto status = refreshAll(withCertificates); !status) return status.error();
  std::lock_guard lock(mutex_);
  if (!snapshot_) {
    auto all = std::make_shared<std::vector<ObjectPtr>>();
    all->reserve(byHandle_.size());
    for (const auto& [handle, object] : byHandle_) all->push_back(object);
    snapshot_ = std::move(all);
  }
  return snapshot_;
}

Result<std::vector<ObjectPtr>> ObjectStore::candidates(std::optional<CK_OBJECT_CLASS> cls,
                                                       const CK_ATTRIBUTE* id,
                                                       const CK_ATTRIBUTE* label) {
  bool withCert = !cls || *cls == CKO_CERTIFICATE;
  if (id) {
    auto bytes = std::span(static_cast<const uint8_t*>(id->pValue), id->ulValueLen);
    auto nethsmId = netHsmIdFromCkaId(bytes);
    if (!nethsmId) return std::vector<ObjectPtr>();
    return entryObjects(*nethsmId, withCert);
  }
  if (label) {
    std::string text(static_cast<const char*>(label->pValue), label->ulValueLen);
    // Firmware 5.0 has key labels (GET /keys?label=); before, CKA_LABEL is the ID.
    if (client_.firmwareVersion() >= nethsm::FirmwareVersion{5, 0}) {
      auto ids = client_.listKeysByLabel(text);
      if (!ids) return ids.error();
      std::vector<ObjectPtr> out;
      for (const auto& keyId : ids.value()) {
        auto objects = entryObjects(keyId, withCert);
        if (!objects) return objects.error();
        out.insert(out.end(), objects->begin(), objects->end());
      }
      if (!out.empty() || !isValidNetHsmId(text)) return out;
    }
    if (!isValidNetHsmId(text)) return std::vector<ObjectPtr>();
    return entryObjects(text, withCert);
  }
  return std::vector<ObjectPtr>();
}

Result<std::vector<ObjectPtr>> ObjectStore::find(std::span<const CK_ATTRIBUTE> tmpl,
                                                 bool includePrivate) {
  std::optional<CK_OBJECT_CLASS> cls;
  if (const auto* c = findAttribute(tmpl, CKA_CLASS); c && c->pValue &&
                                                      c->ulValueLen == sizeof(CK_OBJECT_CLASS))
    cls = *static_cast<const CK_OBJECT_CLASS*>(c->pValue);
  const CK_ATTRIBUTE* id = findAttribute(tmpl, CKA_ID);
  const CK_ATTRIBUTE* label = findAttribute(tmpl, CKA_LABEL);
  if ((id && id->ulValueLen && !id->pValue) || (label && label->ulValueLen && !label->pValue))
    return ckError(CKR_ATTRIBUTE_VALUE_INVALID, "template value without a pointer");
  std::vector<ObjectPtr> out;
  auto keep = [&](const ObjectPtr& o) {
    if ((includePrivate || !o->isPrivate) && (!cls || o->objectClass == *cls) &&
        matchesTemplate(*o, tmpl))
      out.push_back(o);
  };
  if (!id && !label) {
    auto all = listing(!cls || *cls == CKO_CERTIFICATE);
    if (!all) return all.error();
    for (const auto& o : *all.value()) keep(o);  // already in handle order
    return out;
  }
  auto found = candidates(cls, id, label);
  if (!found) return found.error();
  for (auto& o : found.value()) keep(o);
  std::sort(out.begin(), out.end(), sameHandleOrder);
  return out;
}

ObjectPtr ObjectStore::get(CK_OBJECT_HANDLE handle) const {
  std::lock_guard lock(mutex_);
  auto it = byHandle_.find(handle);
  return it == byHandle_.end() ? nullptr : it->second;
}

Result<std::vector<ObjectPtr>> ObjectStore::reload(const std::string& id) {
  auto fetched = fetchKey(id, true);
  if (!fetched) return fetched.error();
  std::lock_guard lock(mutex_);
  if (!fetched.value()) {
    eraseLocked(id);
    return std::vector<ObjectPtr>();
  }
  return installLocked(std::move(*fetched.value()), true);
}

void ObjectStore::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  eraseLocked(id);
}

void ObjectStore::renameKey(const std::string& from, const std::string& to) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<CK_OBJECT_CLASS, CK_OBJECT_HANDLE>> kept;
  for (auto it = handles_.begin(); it != handles_.end();) {
    if (it->first.first == from) {
      kept.emplace_back(it->first.second, it->second);
      it = handles_.erase(it);
    } else {
      ++it;
    }
  }
  eraseLocked(from);
  for (const auto& [cls, handle] : kept) handles_[{to, cls}] = handle;
  if (generated_.erase(from)) generated_.insert(to);
  if (auto bits = secretBits_.find(from); bits != secretBits_.end()) {
    secretBits_[to] = bits->second;
    secretBits_.erase(bits);
  }
}

void ObjectStore::noteGenerated(const std::string& id, std::optional<unsigned> secretBits) {
  std::lock_guard lock(mutex_);
  generated_.insert(id);
  if (secretBits) secretBits_[id] = *secretBits;
}

void ObjectStore::invalidateListing() {
  std::lock_guard lock(mutex_);
  listedAt_.reset();
}

size_t ObjectStore::cachedKeyCount() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace p11nethsm::core
