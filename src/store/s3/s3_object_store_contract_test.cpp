// The ObjectStore contract suite against S3ObjectStore talking to a real Ceph RGW.
#include <atomic>

#include "store/object_store_contract.h"
#include "store/s3/rgw_cluster.h"
#include "store/s3/s3_object_store.h"

namespace imgpipe::store {
namespace {

using s3::testing::RgwCluster;

class RgwHarness final : public ObjectStoreHarness {
  public:
    explicit RgwHarness(const s3::S3ClientOptions& options) : store_(options) {
        static std::atomic<int> next{0};
        suffix_ = "-" + std::to_string(::getpid()) + "-" + std::to_string(next++);
    }
    ObjectStore& store() override { return store_; }
    // RGW's buckets outlive a test: every test gets names of its own.
    std::string bucket_name(const std::string& base) override { return base + suffix_; }
    bool completes_with_skipped_parts() const override { return false; }

  private:
    s3::S3ObjectStore store_;
    std::string suffix_;
};

std::unique_ptr<ObjectStoreHarness> make_rgw() {
    RgwCluster* cluster = RgwCluster::get();
    if (cluster == nullptr) return nullptr;
    return std::make_unique<RgwHarness>(cluster->options());
}

INSTANTIATE_TEST_SUITE_P(S3, ObjectStoreContractTest,
                         ::testing::Values(ObjectStoreContractParam{"Rgw", make_rgw}),
                         object_store_contract_name);

}  // namespace
}  // namespace imgpipe::store
