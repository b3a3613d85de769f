#include "core/keyed_change_signal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace imgpipe {
namespace {

using namespace std::chrono_literals;

// A key whose slot differs from `key`'s.
std::string key_apart_from(const std::string& key) {
    for (int i = 0;; ++i) {
        std::string other = "other-" + std::to_string(i);
        if (KeyedChangeSignal::slot_of(other) != KeyedChangeSignal::slot_of(key)) return other;
    }
}

TEST(KeyedChangeSignalTest, NotifyMovesTheKeysGenerationAndNoOtherSlots) {
    KeyedChangeSignal signal;
    const std::string other = key_apart_from("job");
    const uint64_t job = signal.generation("job");
    const uint64_t before = signal.generation(other);
    signal.notify("job");
    EXPECT_NE(signal.generation("job"), job);
    EXPECT_EQ(signal.generation(other), before);
}

TEST(KeyedChangeSignalTest, AWaiterWakesWhenItsKeyChanges) {
    KeyedChangeSignal signal;
    const uint64_t seen = signal.generation("job");
    std::thread changer([&] {
        std::this_thread::sleep_for(50ms);
        signal.notify("job");
    });
    const auto t0 = std::chrono::steady_clock::now();
    const uint64_t now = signal.wait("job", seen, 30s);
    changer.join();
    EXPECT_NE(now, seen);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 15s) << "woken by the change, not the timeout";
}

TEST(KeyedChangeSignalTest, AWaiterSleepsThroughChangesOfKeysInOtherSlots) {
    KeyedChangeSignal signal;
    const uint64_t seen = signal.generation("job");
    std::thread changer([&] {
        for (int i = 0; i < 1000; ++i) {
            std::string key = "image-" + std::to_string(i);
            if (KeyedChangeSignal::slot_of(key) != KeyedChangeSignal::slot_of("job")) {
                signal.notify(key);
            }
        }
    });
    EXPECT_EQ(signal.wait("job", seen, 200ms), seen);
    changer.join();
    EXPECT_EQ(signal.generation("job"), seen);
}

TEST(KeyedChangeSignalTest, NotifyAllMovesEveryKey) {
    KeyedChangeSignal signal;
    std::vector<uint64_t> before;
    for (size_t i = 0; i < 1000; ++i) before.push_back(signal.generation(std::to_string(i)));
    signal.notify_all();
    for (size_t i = 0; i < 1000; ++i) EXPECT_NE(signal.generation(std::to_string(i)), before[i]);
}

// Image ids (22 random base64url characters) spread over the slots, so a change wakes few others.
TEST(KeyedChangeSignalTest, ImageIdsSpreadOverEverySlot) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::mt19937 random(42);
    std::vector<int> per_slot(KeyedChangeSignal::kSlots);
    constexpr int kKeys = 25'600;
    for (int i = 0; i < kKeys; ++i) {
        std::string id(22, ' ');
        for (char& c : id) c = kAlphabet[random() % kAlphabet.size()];
        ++per_slot[KeyedChangeSignal::slot_of(id)];
    }
    const int mean = kKeys / static_cast<int>(KeyedChangeSignal::kSlots);
    EXPECT_GT(*std::min_element(per_slot.begin(), per_slot.end()), mean / 2);
    EXPECT_LT(*std::max_element(per_slot.begin(), per_slot.end()), mean * 2);
}

}  // namespace
}  // namespace imgpipe
