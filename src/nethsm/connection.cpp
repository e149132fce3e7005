#include "nethsm/connection.hpp"

namespace p11nethsm::nethsm {

Connection::Connection(const config::SlotConfig& slot, const CredentialSource& credentials,
                       ConnectionOptions options) {
  transport::ClusterOptions clusterOptions;
  clusterOptions.threadsAllowed = options.threadsAllowed;
  cluster_ = std::make_unique<transport::Cluster>(slot, clusterOptions);
  client_ = std::make_unique<Client>(*cluster_, credentials);
}

Connection::~Connection() {
  client_.reset();
  if (cluster_) cluster_->stop();
}

void Connection::start() { cluster_->start(); }
void Connection::stop() { cluster_->stop(); }
bool Connection::anyInstanceUsable() const { return cluster_->anyInstanceUsable(); }
ClusterStats Connection::stats() const { return cluster_->stats(); }
void Connection::abandonAfterFork() { cluster_->abandonAfterFork(); }

}  // namespace p11nethsm::nethsm
