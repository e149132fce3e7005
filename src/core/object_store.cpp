#include "core/object_store.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include "core/error_map.hpp"
#include "core/id_codec.hpp"
#include "core/key_label.hpp"
#include "log/log.hpp"
#include "mech/template_reader.hpp"
#include "util/call_deadline.hpp"

namespace p11nethsm::core {
namespace {

// Object handles are unique in the process and never reused (DESIGN.md "Handles").
CK_OBJECT_HANDLE nextObjectHandle() {
  static std::atomic<CK_OBJECT_HANDLE> next{1};
  return next.fetch_add(1);
}

bool sameHandleOrder(const ObjectPtr& a, const ObjectPtr& b) { return a->handle < b->handle; }

// Answers about one key that say "this key cannot be represented" rather than "the
// appliance cannot be used": an unknown key type, an unparseable or oversized
// description, an ID the appliance refuses (400, 414). The key is skipped and the
// rest of a listing stands; transport and server errors still fail the listing.
bool keyUnrepresentable(ErrorKind kind) {
  return kind == ErrorKind::kMalformedResponse || kind == ErrorKind::kUnsupported ||
         kind == ErrorKind::kInvalidArgument || kind == ErrorKind::kBadRequest;
}

}  // namespace

ObjectStore::ObjectStore(nethsm::Client& client, StoreOptions options)
    : client_(client), options_(options) {}

bool ObjectStore::freshLocked(std::chrono::steady_clock::time_point t) const {
  return std::chrono::steady_clock::now() - t < options_.refresh;
}

Result<std::optional<KeySource>> ObjectStore::fetchKey(const std::string& id, bool withCert) {
  auto key = client_.getKey(id);
  if (!key) {
    if (keyUnrepresentable(key.error().kind)) noteSkipped(id, key.error().message);
    if (key.error().kind == ErrorKind::kNotFound || keyUnrepresentable(key.error().kind))
      return std::optional<KeySource>();
    return key.error();
  }
  KeySource source;
  source.key = std::move(key).value();
  if (source.key.type != nethsm::KeyType::kGeneric) {
    auto pub = mech::publicKeyAttributes(source.key);
    if (!pub) {
      noteSkipped(id, pub.error().message);
      return std::optional<KeySource>();
    }
    source.publicKey = std::move(*pub);
  }
  if (withCert) {
    if (auto status = fetchCertificate(source); !status) return status.error();
  }
  return std::optional<KeySource>(std::move(source));
}

// The key's certificate into `source`: none is fine, one the module refuses (e.g. over
// 1 MiB) is skipped with a warning and the key stays; other failures are returned.
Status ObjectStore::fetchCertificate(KeySource& source) {
  const std::string& id = source.key.id;
  auto cert = client_.getCertificate(id);
  if (cert) {
    source.certificate = std::move(cert).value();
  } else if (cert.error().kind == ErrorKind::kMalformedResponse) {
    noteSkipped(id + " (certificate)", cert.error().message);
  } else if (cert.error().kind != ErrorKind::kNotFound) {
    return cert.error();
  }
  return okStatus();
}

void ObjectStore::completeSourceLocked(KeySource& source, bool& certificateKnown) const {
  const std::string& id = source.key.id;
  auto old = entries_.find(id);
  if (!certificateKnown && old != entries_.end() && old->second.certificateKnown) {
    source.certificate = old->second.source.certificate;  // keep what we knew
    certificateKnown = true;
  }
  const std::string scoped = scopedLocked(id);
  source.generatedHere = generated_.count(scoped) > 0;
  if (auto bits = secretBits_.find(scoped); bits != secretBits_.end())
    source.secretBits = bits->second;
  if (auto label = labels_.find(scoped); label != labels_.end())
    source.processLabel = label->second;
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
  const std::string scoped = scopedLocked(id);
  if (prepared.objects.empty()) {  // fetchKey already skipped (and named) unrepresentable keys
    eraseLocked(id);
    return {};
  }
  skipped_.erase(id);
  Entry entry;
  entry.certificateKnown = prepared.certificateKnown;
  entry.fetched = std::chrono::steady_clock::now();
  for (auto& object : prepared.objects) {
    auto key = std::make_pair(scoped, object.objectClass);
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
    handles_[{scoped, o->objectClass}] = o->handle;
  }
  auto objects = entry.objects;
  entries_[id] = std::move(entry);
  snapshot_.reset();
  return objects;
}

void ObjectStore::noteSkipped(const std::string& id, const std::string& why) {
  {
    std::lock_guard lock(mutex_);
    if (!skipped_.insert(id).second) return;
  }
  log::warn("key " + printableExcerpt(id) + " skipped, the module cannot represent it: " + why);
}

void ObjectStore::eraseLocked(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  for (const auto& o : it->second.objects) {
    byHandle_.erase(o->handle);
    handles_.erase({scopedLocked(id), o->objectClass});
  }
  entries_.erase(it);
  snapshot_.reset();
}

Result<std::vector<ObjectPtr>> ObjectStore::entryObjects(const std::string& id, bool withCert) {
  uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = generation_;
    auto it = entries_.find(id);
    if (it != entries_.end() && freshLocked(it->second.fetched) &&
        (it->second.certificateKnown || !withCert))
      return it->second.objects;
  }
  auto fetched = fetchKey(id, withCert);
  if (!fetched) return fetched.error();
  std::lock_guard lock(mutex_);
  if (generation != generation_) return std::vector<ObjectPtr>();  // another identity's answer
  if (!fetched.value()) {
    eraseLocked(id);
    return std::vector<ObjectPtr>();
  }
  return installLocked(std::move(*fetched.value()), withCert);
}

// The listing's workers serve the same PKCS#11 call: they share its deadline.
void ObjectStore::parallelFor(size_t n, const std::function<void(size_t)>& fn) const {
  std::atomic<size_t> next{0};
  CallState* call = CallScope::current();
  auto worker = [&] {
    CallScope::Adopt adopt(call);
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
    if (!r)
      errors[i] = r.error();
    else if (r.value())
      out[i] = prepare(std::move(*r.value()), withCertificates);
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
    uint64_t generation = 0;
    {
      std::lock_guard lock(mutex_);
      if (listingFreshLocked(withCertificates)) return okStatus();
      generation = generation_;
      if (!listing_) {
        listing_ = std::make_shared<Listing>();
        listing_->withCertificates = withCertificates;
        keysFresh = listedAt_ && freshLocked(*listedAt_);
      } else {
        job = listing_;
      }
    }
    if (!job) {  // ours
      Status status = keysFresh ? fetchMissingCertificates(generation)
                                : fetchListing(withCertificates, generation);
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

// `generation`: the namespace's when the listing began; answers fetched for another
// identity's namespace are dropped.
Status ObjectStore::fetchListing(bool withCertificates, uint64_t generation) {
  auto all = fetchAll(withCertificates);
  if (!all) return all.error();
  std::lock_guard lock(mutex_);
  if (generation != generation_) return okStatus();
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
Status ObjectStore::fetchMissingCertificates(uint64_t generation) {
  std::vector<KeySource> sources;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, entry] : entries_)
      if (!entry.certificateKnown) sources.push_back(entry.source);
  }
  std::vector<std::optional<Error>> errors(sources.size());
  std::vector<std::optional<Prepared>> prepared(sources.size());
  parallelFor(sources.size(), [&](size_t i) {
    if (auto status = fetchCertificate(sources[i]); !status) {
      errors[i] = status.error();
      return;
    }
    prepared[i] = prepare(std::move(sources[i]), true);
  });
  for (auto& e : errors)
    if (e) return *e;
  std::lock_guard lock(mutex_);
  if (generation != generation_) return okStatus();
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
    return labelCandidates(std::string(static_cast<const char*>(label->pValue), label->ulValueLen),
                           withCert);
  }
  return std::vector<ObjectPtr>();
}

// The keys a CKA_LABEL may name (key_label.hpp): those this process labelled so, on
// firmware 5.0 those the appliance finds by its stored form (GET /keys?label=), and
// the key whose ID it is (the label derived from the ID). find() then compares the
// objects' CKA_LABEL exactly.
Result<std::vector<ObjectPtr>> ObjectStore::labelCandidates(const std::string& text,
                                                            bool withCert) {
  std::set<std::string> ids;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [scoped, value] : labels_) {
      const size_t tilde = scoped.find('~');
      const std::string id = tilde == std::string::npos ? scoped : scoped.substr(tilde + 1);
      if (scopedLocked(id) == scoped && toString(value) == text) ids.insert(id);
    }
  }
  bool labelled = false;
  if (client_.capabilities().keyLabels) {
    if (auto stored = nethsm::labelAsStored(text); stored && !stored->empty()) {
      auto found = client_.listKeysByLabel(*stored);
      if (!found) return found.error();
      labelled = !found->empty();
      ids.insert(found->begin(), found->end());
    }
  }
  // On 5.0 a key shows its ID as label only when it has none: asked only then.
  if (isValidNetHsmId(text) && !labelled) ids.insert(text);
  std::vector<ObjectPtr> out;
  for (const auto& keyId : ids) {
    auto objects = entryObjects(keyId, withCert);
    if (!objects) return objects.error();
    out.insert(out.end(), objects->begin(), objects->end());
  }
  return out;
}

Result<std::vector<ObjectPtr>> ObjectStore::find(std::span<const CK_ATTRIBUTE> tmpl,
                                                 bool includePrivate) {
  // The first CKA_CLASS / CKA_ID / CKA_LABEL narrow the search; matchesTemplate then
  // checks every attribute of the template. A class of the wrong size matches nothing.
  const mech::TemplateReader tpl(tmpl, mech::TemplateReader::Occurrence::kFirst);
  std::optional<CK_OBJECT_CLASS> cls;
  if (auto c = tpl.ulong(CKA_CLASS); c && c->has_value()) cls = **c;
  const CK_ATTRIBUTE* id = tpl.find(CKA_ID);
  const CK_ATTRIBUTE* label = tpl.find(CKA_LABEL);
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
  uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = generation_;
  }
  auto fetched = fetchKey(id, true);
  if (!fetched) return fetched.error();
  std::lock_guard lock(mutex_);
  if (generation != generation_) return std::vector<ObjectPtr>();  // another identity's answer
  if (!fetched.value()) {
    eraseLocked(id);
    return std::vector<ObjectPtr>();
  }
  return installLocked(std::move(*fetched.value()), true);
}

void ObjectStore::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  eraseLocked(id);
  const std::string scoped = scopedLocked(id);
  generated_.erase(scoped);
  secretBits_.erase(scoped);
  labels_.erase(scoped);
}

void ObjectStore::renameKey(const std::string& fromId, const std::string& toId) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<CK_OBJECT_CLASS, CK_OBJECT_HANDLE>> kept;
  const std::string from = scopedLocked(fromId), to = scopedLocked(toId);
  for (auto it = handles_.begin(); it != handles_.end();) {
    if (it->first.first == from) {
      kept.emplace_back(it->first.second, it->second);
      it = handles_.erase(it);
    } else {
      ++it;
    }
  }
  eraseLocked(fromId);
  for (const auto& [cls, handle] : kept) handles_[{to, cls}] = handle;
  if (generated_.erase(from)) generated_.insert(to);
  if (auto bits = secretBits_.find(from); bits != secretBits_.end()) {
    secretBits_[to] = bits->second;
    secretBits_.erase(bits);
  }
  if (auto label = labels_.extract(from)) labels_[to] = std::move(label.mapped());
}

void ObjectStore::noteGenerated(const std::string& id, std::optional<unsigned> secretBits) {
  std::lock_guard lock(mutex_);
  generated_.insert(scopedLocked(id));
  if (secretBits) secretBits_[scopedLocked(id)] = *secretBits;
}

void ObjectStore::rememberLabel(const std::string& id, Bytes label) {
  std::lock_guard lock(mutex_);
  labels_[scopedLocked(id)] = std::move(label);
  if (auto it = entries_.find(id); it != entries_.end())
    installLocked(it->second.source, it->second.certificateKnown);
}

void ObjectStore::setNamespace(const std::string& ns) {
  std::lock_guard lock(mutex_);
  if (ns == namespace_) return;
  namespace_ = ns;
  ++generation_;
  entries_.clear();
  byHandle_.clear();
  listedAt_.reset();
  certificatesListed_ = false;
  snapshot_.reset();
}

// '~' separates namespace and name in NetHSM user IDs and never occurs in a key ID.
std::string ObjectStore::scopedLocked(const std::string& id) const {
  return namespace_.empty() ? id : namespace_ + "~" + id;
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
