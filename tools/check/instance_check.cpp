#include "check/instance_check.hpp"

#include <algorithm>
#include <map>

#include "check/tls_probe.hpp"
#include "nethsm/client.hpp"
#include "transport/cluster.hpp"
#include "transport/tls_policy.hpp"

namespace p11nethsm::check {

namespace {

using nethsm::Role;

const char* roleName(Role role) { return role == Role::kOperator ? "operator" : "administrator"; }

// The credentials the client may use: only those whose login was accepted.
class AcceptedCredentials : public nethsm::CredentialSource {
 public:
  void accept(Role role, transport::BasicAuth auth) { accepted_[role] = std::move(auth); }
  bool has(Role role) const { return accepted_.count(role) != 0; }
  std::optional<transport::BasicAuth> credentialsFor(Role role) const override {
    auto it = accepted_.find(role);
    if (it == accepted_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<Role, transport::BasicAuth> accepted_;
};

struct InstanceRun {
  const SlotContext& context;
  const config::InstanceConfig& instance;
  std::string subject;
  Report& report;

  void problem(std::string what, std::string fix) {
    report.problem({subject, std::move(what), std::move(fix)});
  }
};

std::string pinFix(const InstanceRun& run, const std::string& fingerprint) {
  return "if this certificate is your NetHSM's, set sha256_fingerprints: [\"" + fingerprint +
         "\"] for this instance in " + run.context.slot.sourceFile;
}

// The TLS policy the module applies (transport/tls_policy): insecure, else pins,
// else the CA store. False when the module would refuse the connection.
bool checkTls(InstanceRun& run, const TlsProbe& probe) {
  const config::InstanceConfig& inst = run.instance;
  const std::string seen =
      probe.fingerprint ? transport::formatFingerprint(*probe.fingerprint) : std::string("unknown");
  run.report.say(3, "TLS certificate sha256: " + seen);
  const std::string ca = probe.caVerified ? "ok" : "failed: " + probe.caError;
  if (inst.dangerInsecureCert) {
    run.report.say(3, "TLS verification: off (danger_insecure_cert); CA check would be " + ca);
    return true;
  }
  if (!inst.sha256Fingerprints.empty()) {
    const bool match = probe.fingerprint &&
                       std::find(inst.sha256Fingerprints.begin(), inst.sha256Fingerprints.end(),
                                 *probe.fingerprint) != inst.sha256Fingerprints.end();
    run.report.say(3, std::string("TLS pin: ") + (match ? "matches sha256_fingerprints"
                                                        : "matches NO pinned fingerprint"));
    run.report.say(3, "TLS CA check: " + ca + " (not used: the pin replaces it)");
    if (!match) {
      run.problem("the certificate's fingerprint " + seen + " matches no sha256_fingerprints entry",
                  pinFix(run, seen));
    }
    return match;
  }
  run.report.say(3, "TLS CA check: " + ca);
  if (!probe.caVerified) {
    run.problem("the certificate is not trusted: " + probe.caError,
                "set ca_file to the CA that issued it, or " + pinFix(run, seen));
  }
  return probe.caVerified;
}

bool checkState(InstanceRun& run, nethsm::Client& client) {
  auto info = client.info();
  run.report.say(3, "product: " + (info ? info->vendor + " " + info->product
                                        : "unknown (" + info.error().message + ")"));
  auto state = client.healthState();
  if (!state) {
    run.report.say(3, "state: unknown (" + state.error().message + ")");
    run.problem("GET /health/state failed: " + state.error().message,
                "check that the url points at the NetHSM API (https://host:port/api/v1)");
    return false;
  }
  run.report.say(3, "state: " + *state);
  if (*state == "Locked") {
    run.problem(
        "the appliance is Locked",
        "unlock it with its unlock passphrase (nitropy nethsm unlock, or POST /api/v1/unlock)");
  } else if (*state == "Unprovisioned") {
    run.problem("the appliance is not provisioned", "provision it (nitropy nethsm provision)");
  } else if (*state != "Operational") {
    run.problem("the appliance is " + *state, "bring it to the Operational state");
  }
  return *state == "Operational";
}

// False when a configured password was refused.
bool checkUser(InstanceRun& run, nethsm::Client& client, const UserToCheck& user,
               AcceptedCredentials& accepted) {
  const std::string who = std::string(roleName(user.role)) + " '" + user.username + "'";
  if (!user.password) {
    run.report.say(
        3, "login " + who + ": not checked (no password; the application gives it to C_Login)");
    return true;
  }
  transport::BasicAuth auth{user.username, *user.password};
  Status login = client.verifyLogin(user.role, auth);
  if (login) {
    run.report.say(3, "login " + who + ": ok");
    accepted.accept(user.role, std::move(auth));
    return true;
  }
  const Error& e = login.error();
  run.report.say(3, "login " + who + ": FAILED (" + e.message + ")");
  switch (e.kind) {
    case ErrorKind::kUnauthorized:
      run.problem(who + " cannot log in: wrong user name or password (HTTP 401)",
                  user.fixWrongPassword);
      return false;
    case ErrorKind::kForbidden:
      run.problem(who + " cannot log in: " + e.message,
                  "name a user with the right role in slots[" +
                      std::to_string(run.context.slotIndex) + "]." + roleName(user.role) +
                      ".username");
      return false;
    case ErrorKind::kRateLimited:
      run.problem(who + " was not checked: login throttled (HTTP 429) after a recent failed login",
                  "run p11nethsm-check again in a few seconds");
      return true;
    default:
      run.problem(who + " could not be checked: " + e.message, "see the lines above");
      return true;
  }
}

void reportFirmwareAndKeys(InstanceRun& run, nethsm::Client& client,
                           const AcceptedCredentials& accepted) {
  if (accepted.has(Role::kAdministrator)) {
    auto system = client.systemInfo();
    run.report.say(3, "firmware: " + (system ? system->softwareVersion + " (build " +
                                                   system->softwareBuild + ")"
                                             : "unknown (" + system.error().message + ")"));
  } else {
    run.report.say(3, "firmware: unknown (GET /system/info needs the administrator's password)");
  }
  if (!accepted.has(Role::kOperator) && !accepted.has(Role::kAdministrator)) {
    run.report.say(3, "keys: not counted (no accepted login)");
    return;
  }
  auto keys = client.listKeys();
  run.report.say(3, "keys: " + (keys ? std::to_string(keys->size())
                                     : "unknown (" + keys.error().message + ")"));
}

}  // namespace

bool checkInstance(const SlotContext& context, size_t instanceIndex, Report& report) {
  const config::InstanceConfig& inst = context.slot.instances[instanceIndex];
  InstanceRun run{context, inst,
                  "slot " + std::to_string(context.slotIndex) + " '" + context.slot.label +
                      "' instance " + std::to_string(instanceIndex) + " (" + inst.url + ")",
                  report};
  report.say(2, "instance " + std::to_string(instanceIndex) + ": " + inst.url);
  TlsProbe probe = probeTls(inst, context.slot);
  report.say(3, "reachable: " +
                    (probe.connected ? std::string("yes") : "no (" + probe.connectDetail + ")"));
  if (!probe.connected) {
    run.problem("unreachable: " + probe.connectError,
                "check the url, that the NetHSM is running and that this host can reach its "
                "port (firewall, proxy)");
    return false;
  }
  if (!checkTls(run, probe)) return false;
  // The module's own path to this one instance, without retries or threads.
  config::SlotConfig single = context.slot;
  single.instances = {inst};
  single.retries = {};
  transport::ClusterOptions options;
  options.threadsAllowed = false;
  transport::Cluster cluster(single, options);
  AcceptedCredentials accepted;
  nethsm::Client client(cluster, accepted);
  if (!checkState(run, client)) return false;
  bool loginsOk = true;
  for (const UserToCheck& user : context.users) {
    loginsOk = checkUser(run, client, user, accepted) && loginsOk;
  }
  reportFirmwareAndKeys(run, client, accepted);
  return loginsOk;
}

}  // namespace p11nethsm::check
