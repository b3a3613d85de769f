// LocalObjectStore::list_objects: its cost follows what it returns, not how many keys the bucket
// holds (counted as index rows stepped), and a listing in progress does not hold up GETs.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "core/clock.h"
#include "store/local/local_object_store.h"
#include "store/local/local_store_test_util.h"

namespace imgpipe::store {
namespace {

using testing::read_object;
using testing::TempDir;

class LocalListingTest : public ::testing::Test {
  protected:
    void open(LocalStoreOptions options) {
        options.on_listing_row = [this](const std::string& key) {
            ++rows_;
            if (hook_) hook_(key);
        };
        auto store = LocalObjectStore::open(dir_.path() + "/data", posix_file_system(),
                                            SystemClock::instance(), std::move(options));
        ASSERT_TRUE(store.is_ok()) << store.status().to_string();
        store_ = std::move(store).value();
        ASSERT_TRUE(store_->create_bucket("bkt").is_ok());
    }

    // `per_dir` keys under each of "dir0/".."dir<dirs-1>/", stored in batches (one commit each).
    void fill(int dirs, int per_dir) {
        constexpr int kBatch = 100;
        std::vector<std::string> keys;
        for (int d = 0; d < dirs; ++d) {
            for (int i = 0; i < per_dir; ++i) {
                keys.push_back("dir" + std::to_string(d) + "/key-" + std::to_string(10000 + i));
            }
        }
        for (size_t first = 0; first < keys.size(); first += kBatch) {
            std::vector<PutRequest> requests;
            std::vector<StringByteSource> bodies;
            for (size_t i = first; i < std::min(keys.size(), first + kBatch); ++i) {
                requests.push_back({"bkt", keys[i]});
                bodies.emplace_back(keys[i]);
            }
            std::vector<ByteSource*> pointers;
            pointers.reserve(bodies.size());
            for (auto& b : bodies) pointers.push_back(&b);
            for (const auto& r : store_->put_objects(requests, pointers)) {
                ASSERT_TRUE(r.is_ok()) << r.status().to_string();
            }
        }
    }

    ListResult list(ListRequest request) {
        rows_ = 0;
        request.bucket = "bkt";
        auto result = store_->list_objects(request);
        EXPECT_TRUE(result.is_ok()) << result.status().to_string();
        return result.is_ok() ? *result : ListResult{};
    }

    TempDir dir_;
    std::unique_ptr<LocalObjectStore> store_;
    std::atomic<int> rows_{0};
    std::function<void(const std::string&)> hook_;
};

TEST_F(LocalListingTest, DelimitedListingStepsOneRowPerEntryReturned) {
    open({});
    fill(10, 1000);

    ListResult top = list({.delimiter = "/"});
    EXPECT_EQ(top.common_prefixes.size(), 10u);
    EXPECT_TRUE(top.objects.empty());
    EXPECT_FALSE(top.is_truncated);
    EXPECT_EQ(top.common_prefixes.front(), "dir0/");
    EXPECT_EQ(top.common_prefixes.back(), "dir9/");
    // One row per common prefix; the 999 other keys under each are skipped by a seek.
    EXPECT_EQ(rows_, 10);

    ListResult page = list({.delimiter = "/", .start_after = "dir3/", .max_keys = 4});
    EXPECT_EQ(page.common_prefixes, (std::vector<std::string>{"dir4/", "dir5/", "dir6/", "dir7/"}));
    EXPECT_TRUE(page.is_truncated);
    EXPECT_EQ(rows_, 4 + 1);  // the extra row tells that more follow

    ListResult keys = list({.prefix = "dir7/", .max_keys = 100});
    ASSERT_EQ(keys.objects.size(), 100u);
    EXPECT_EQ(keys.objects.front().key, "dir7/key-10000");
    EXPECT_EQ(keys.objects.front().size, std::string("dir7/key-10000").size());
    EXPECT_EQ(keys.objects.front().etag, to_hex(contract::md5_raw("dir7/key-10000")));
    EXPECT_TRUE(keys.is_truncated);
    EXPECT_EQ(rows_, 100 + 1);
}

TEST_F(LocalListingTest, GetIsNotHeldUpByAListingInProgress) {
    open({});
    fill(2, 3);
    std::promise<void> paused;
    std::promise<void> resume;
    std::shared_future<void> resumed = resume.get_future().share();
    std::atomic<bool> first{true};
    hook_ = [&](const std::string&) {
        if (!first.exchange(false)) return;
        paused.set_value();
        resumed.wait();  // the listing holds its index connection meanwhile
    };
    std::thread listing([&] { list({}); });
    paused.get_future().wait();

    auto get = std::async(std::launch::async, [&] {
        return read_object(*store_, "bkt", "dir1/key-10002") + "|" +
               std::to_string(store_->head_object("bkt", "dir0/key-10001")->size);
    });
    // Only a guard against hanging the suite when reads are serialised again: the GET is
    // expected to finish while the listing is still paused.
    const bool finished = get.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
    resume.set_value();
    listing.join();
    ASSERT_TRUE(finished) << "the GET waited for the listing";
    EXPECT_EQ(get.get(), "dir1/key-10002|14");
}

}  // namespace
}  // namespace imgpipe::store
