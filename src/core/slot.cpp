#include "core/slot.hpp"

#include <atomic>

namespace p11nethsm::core {

Slot::Slot(CK_SLOT_ID id, config::SlotConfig config, SlotOptions options)
    : id_(id),
      threadsAllowed_(options.threadsAllowed),
      config_(std::move(config)),
      credentials_(config_) {
  connection_ = std::make_unique<nethsm::Connection>(
      config_, credentials_, nethsm::ConnectionOptions{options.threadsAllowed});
  StoreOptions store;
  store.refresh = std::chrono::seconds(
      config_.cacheRefreshSeconds.value_or(config::kDefaultCacheRefreshSeconds));
  store.parallel = options.parallelListing;
  objects_ = std::make_unique<ObjectStore>(client(), store);
  objects_->setNamespace(credentials_.readNamespace());
}

Slot::~Slot() {
  // The store refers to the client: release it first (the connection then releases
  // the client before its cluster).
  objects_.reset();
  connection_.reset();
}

bool Slot::tokenPresent() const { return connection_->anyInstanceUsable(); }

bool Slot::loginRequired() const {
  using nethsm::Role;
  if (credentials_.username(Role::kOperator))
    return !credentials_.hasConfiguredPassword(Role::kOperator);
  return !credentials_.hasConfiguredPassword(Role::kAdministrator);
}

bool Slot::privateAccess() const { return loginState() != LoginState::kNone || !loginRequired(); }

LoginState Slot::loginState() const { return login_.load(); }

void Slot::setLoginState(LoginState state) { login_.store(state); }

std::string Slot::serialNumber() const {
  std::lock_guard lock(mutex_);
  return serial_;
}

void Slot::setSerialNumber(std::string serial) {
  std::lock_guard lock(mutex_);
  serial_ = std::move(serial);
}

void Slot::setAlias(const Bytes& alias, const std::string& nethsmId) {
  std::lock_guard lock(mutex_);
  aliases_[std::string(alias.begin(), alias.end())] = nethsmId;
}

std::optional<std::string> Slot::aliasTarget(const Bytes& alias) const {
  std::lock_guard lock(mutex_);
  auto it = aliases_.find(std::string(alias.begin(), alias.end()));
  if (it == aliases_.end()) return std::nullopt;
  return it->second;
}

// Session object handles come from their own range so they never meet the object
// store's handles (which count up from 1).
CK_OBJECT_HANDLE Slot::addSessionObject(Object object, CK_SESSION_HANDLE owner) {
  static std::atomic<CK_OBJECT_HANDLE> next{0x40000000};
  object.handle = next.fetch_add(1);
  CK_OBJECT_HANDLE handle = object.handle;
  std::lock_guard lock(mutex_);
  sessionObjects_[handle] = {std::make_shared<const Object>(std::move(object)), owner};
  return handle;
}

ObjectPtr Slot::sessionObject(CK_OBJECT_HANDLE handle) const {
  std::lock_guard lock(mutex_);
  auto it = sessionObjects_.find(handle);
  return it == sessionObjects_.end() ? nullptr : it->second.first;
}

std::vector<ObjectPtr> Slot::sessionObjects() const {
  std::lock_guard lock(mutex_);
  std::vector<ObjectPtr> out;
  for (const auto& [handle, entry] : sessionObjects_) out.push_back(entry.first);
  return out;
}

bool Slot::destroySessionObject(CK_OBJECT_HANDLE handle) {
  std::lock_guard lock(mutex_);
  return sessionObjects_.erase(handle) > 0;
}

void Slot::dropSessionObjects(std::optional<CK_SESSION_HANDLE> owner) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessionObjects_,
                [&](const auto& e) { return !owner || e.second.second == *owner; });
}

void Slot::abandonAfterFork() { connection_->abandonAfterFork(); }

}  // namespace p11nethsm::core
