// The state file (README.md "State file"): a snapshot FILE plus an append-only journal
// FILE.journal with one JSON line per change. A change is on disk (fdatasync) before
// its answer is sent; a line torn by a crash belonged to a request that got no
// answer and is dropped on replay. Snapshot and journal carry a generation number:
// the journal's first line names the snapshot it continues, so a crash between
// writing a new snapshot and emptying the journal never replays old changes over it.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "store.hpp"

namespace p11nethsm::mock {
namespace {

std::string directoryOf(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string headerLine(uint64_t generation) {
  return nlohmann::json{{"generation", generation}}.dump() + "\n";
}

bool writeAll(int fd, const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Compact when the journal holds more lines than this many times the entities (plus
// a floor), so that the replay on start stays proportional to the state.
constexpr size_t kJournalLinesPerEntity = 4;
constexpr size_t kJournalLinesFloor = 1000;

}  // namespace

Store::Store(std::string stateFile)
    : stateFile_(std::move(stateFile)),
      journalFile_(stateFile_.empty() ? std::string() : stateFile_ + ".journal") {}

Store::~Store() {
  if (journalFd_ >= 0) ::close(journalFd_);
}

bool Store::load(std::string& error) {
  if (stateFile_.empty()) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  std::ifstream in(stateFile_);
  if (in) {  // no snapshot yet: factory-new, unless a journal says otherwise
    try {
      const nlohmann::json snapshot = nlohmann::json::parse(in);
      generation_ = snapshot.value("generation", uint64_t{0});
      if (!fromJsonLocked(snapshot)) {
        error = "state file " + stateFile_ + ": a key could not be decoded";
        return false;
      }
    } catch (const std::exception& e) {
      error = "state file " + stateFile_ + ": " + e.what();
      return false;
    }
  }
  if (!replayJournalLocked(error)) return false;
  applyBootStateLocked();
  if (journalClean_) {  // keep appending to it
    journalFd_ = ::open(journalFile_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (journalFd_ >= 0) return true;
  }
  persistAllLocked();
  return true;
}

bool Store::replayJournalLocked(std::string& error) {
  std::ifstream in(journalFile_);
  std::string line;
  size_t number = 0;
  journalClean_ = false;
  if (!std::getline(in, line)) return true;  // no journal, or emptied
  const auto header = nlohmann::json::parse(line, nullptr, false);
  if (!header.is_object() || header.value("generation", uint64_t{0}) != generation_) {
    return true;  // continues an older snapshot: already part of the current one
  }
  journalClean_ = in.peek() == EOF;  // just the header: the snapshot is current
  ++number;
  while (std::getline(in, line)) {
    ++number;
    const bool complete = !in.eof();  // getline stopped at a newline
    nlohmann::json change = nlohmann::json::parse(line, nullptr, false);
    if (!complete || change.is_discarded()) {
      if (in.peek() == EOF) break;  // the torn last line of a crash: never answered
      error = journalFile_ + ":" + std::to_string(number) + ": unreadable change";
      return false;
    }
    if (!applyChangesLocked(change)) {
      error = journalFile_ + ":" + std::to_string(number) + ": a key could not be decoded";
      return false;
    }
  }
  return true;
}

void Store::persistLocked(const Changes& changes) {
  if (stateFile_.empty()) return;
  size_t entities = users.size();
  for (const auto& [ns, byId] : keys) entities += byId.size();
  if (journalLines_ >= kJournalLinesFloor + kJournalLinesPerEntity * entities ||
      !appendJournalLocked(changesLineLocked(changes) + "\n")) {
    persistAllLocked();  // also the fallback when the journal cannot be written
  }
}

bool Store::appendJournalLocked(const std::string& line) {
  if (journalFd_ < 0) return false;  // persistAllLocked() opens it, header first
  if (!writeAll(journalFd_, line) || ::fdatasync(journalFd_) != 0) {
    // A partial line would hide the lines after it: start over from a snapshot.
    ::close(journalFd_);
    journalFd_ = -1;
    return false;
  }
  ++journalLines_;
  return true;
}

void Store::persistAllLocked() {
  if (stateFile_.empty()) return;
  ++generation_;
  if (!writeSnapshotLocked()) {
    --generation_;
    std::cerr << "mock-nethsm: cannot write " << stateFile_ << "\n";
    return;  // the journal still holds every change
  }
  // The snapshot holds everything the journal said: start a new one after it.
  if (journalFd_ >= 0) ::close(journalFd_);
  journalFd_ =
      ::open(journalFile_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (journalFd_ >= 0 &&
      (!writeAll(journalFd_, headerLine(generation_)) || ::fsync(journalFd_) != 0)) {
    ::close(journalFd_);
    journalFd_ = -1;  // every later change then writes a snapshot
  }
  journalLines_ = 0;
}

bool Store::writeSnapshotLocked() const {
  nlohmann::json snapshot = toJsonLocked();
  snapshot["generation"] = generation_;
  const std::string text = snapshot.dump();
  const std::string tmp = stateFile_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = writeAll(fd, text) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), stateFile_.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  const int dir = ::open(directoryOf(stateFile_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {  // the rename itself survives a crash
    ::fsync(dir);
    ::close(dir);
  }
  return true;
}

}  // namespace p11nethsm::mock
