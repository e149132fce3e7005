// mock-nethsm's state file (README "State file"): a change appends one journal line
// instead of rewriting the snapshot; restart replays the journal, drops a torn last
// line, ignores a journal that an interrupted compaction left behind.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "store.hpp"

namespace p11nethsm::mock {
namespace {

class StoreJournal : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = ::testing::TempDir() + "store_journal_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json";
    removeFiles();
  }
  void TearDown() override { removeFiles(); }
  void removeFiles() {
    for (const char* suffix : {"", ".journal", ".tmp"}) std::remove((file_ + suffix).c_str());
  }

  static void addKey(Store& store, const std::string& id) {
    std::string error;
    auto material = KeyMaterial::generate(KeyType::kCurve25519, 0, error);
    ASSERT_TRUE(material) << error;
    std::lock_guard<std::mutex> lock(store.mutex());
    store.keys[""].emplace(id, Key{*material, {"EdDSA_Signature"}, {}, std::nullopt, 0, ""});
    store.persistLocked(Changes().key("", id));
  }
  static bool hasKey(Store& store, const std::string& id) {
    std::lock_guard<std::mutex> lock(store.mutex());
    return store.keys[""].count(id) == 1;
  }
  std::string journal() const {
    std::ifstream in(file_ + ".journal");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  size_t journalLines() const {
    const std::string text = journal();
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  }
  struct stat snapshotStat() const {
    struct stat st {};
    stat(file_.c_str(), &st);
    return st;
  }

  std::string file_;
};

TEST_F(StoreJournal, ChangeAppendsOneLineAndLeavesTheSnapshotAlone) {
  std::string error;
  {
    Store store(file_);
    ASSERT_TRUE(store.load(error)) << error;
    const struct stat before = snapshotStat();
    addKey(store, "k1");
    addKey(store, "k2");
    const struct stat after = snapshotStat();
    EXPECT_EQ(after.st_ino, before.st_ino);  // not replaced by a rename
    EXPECT_EQ(after.st_size, before.st_size);
    EXPECT_EQ(journalLines(), 3u);  // header + one line per change
  }
  Store again(file_);
  ASSERT_TRUE(again.load(error)) << error;
  EXPECT_TRUE(hasKey(again, "k1"));
  EXPECT_TRUE(hasKey(again, "k2"));
  EXPECT_EQ(journalLines(), 1u);  // compacted into the snapshot on start
}

TEST_F(StoreJournal, DeletionIsReplayed) {
  std::string error;
  {
    Store store(file_);
    ASSERT_TRUE(store.load(error));
    addKey(store, "gone");
    std::lock_guard<std::mutex> lock(store.mutex());
    store.keys[""].erase("gone");
    store.persistLocked(Changes().key("", "gone"));
  }
  Store again(file_);
  ASSERT_TRUE(again.load(error));
  EXPECT_FALSE(hasKey(again, "gone"));
}

TEST_F(StoreJournal, TornLastLineOfACrashIsDropped) {
  std::string error;
  {
    Store store(file_);
    ASSERT_TRUE(store.load(error));
    addKey(store, "k1");
  }
  std::ofstream(file_ + ".journal", std::ios::app) << R"({"keys":[{"ns":"","id":"k2","ke)";
  Store again(file_);
  ASSERT_TRUE(again.load(error)) << error;
  EXPECT_TRUE(hasKey(again, "k1"));
  EXPECT_FALSE(hasKey(again, "k2"));
}

TEST_F(StoreJournal, CorruptLineInTheMiddleFailsTheLoad) {
  std::string error;
  {
    Store store(file_);
    ASSERT_TRUE(store.load(error));
    addKey(store, "k1");
  }
  const std::string text = journal();
  const auto header = text.find('\n') + 1;
  std::ofstream(file_ + ".journal", std::ios::trunc) << text.substr(0, header) << "not json\n"
                                                     << text.substr(header);
  Store again(file_);
  EXPECT_FALSE(again.load(error));
  EXPECT_NE(error.find(".journal:2"), std::string::npos) << error;
}

// A crash after the new snapshot was renamed into place but before the journal was
// emptied leaves the old journal: replaying it would bring back a deleted key.
TEST_F(StoreJournal, JournalOfAnOlderSnapshotIsIgnored) {
  std::string error;
  std::string oldJournal;
  {
    Store store(file_);
    ASSERT_TRUE(store.load(error));
    addKey(store, "deleted");
    oldJournal = journal();
    std::lock_guard<std::mutex> lock(store.mutex());
    store.keys[""].erase("deleted");
    store.persistAllLocked();  // e.g. a restore: new snapshot, journal emptied
  }
  std::ofstream(file_ + ".journal", std::ios::trunc) << oldJournal;
  Store again(file_);
  ASSERT_TRUE(again.load(error)) << error;
  EXPECT_FALSE(hasKey(again, "deleted"));
}

}  // namespace
}  // namespace p11nethsm::mock
