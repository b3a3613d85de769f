#pragma once
// Test-only: a single-node Ceph cluster with radosgw (tests/cluster/ceph-rgw.sh) started once
// per test binary in a temp dir and stopped at exit, and S3ClientOptions pointing at it. There
// is no fallback: without Ceph installed the tests fail, they are never silently skipped.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "store/s3/s3_client_options.h"
#include "temp_dir.h"

namespace imgpipe::store::s3::testing {

class RgwCluster {
  public:
    // The cluster of this process, started on first use. nullptr (with a test failure
    // recorded) if it could not be started.
    static RgwCluster* get() {
        static RgwCluster* cluster = [] {
            auto* c = new RgwCluster();
            if (!c->start()) {
                c->stop();  // whatever did start
                delete c;
                return static_cast<RgwCluster*>(nullptr);
            }
            running() = c;
            // Stops the daemons and removes the cluster's directory when the binary exits.
            std::atexit([] {
                running()->stop();
                delete running();
            });
            return c;
        }();
        if (cluster == nullptr) ADD_FAILURE() << "the Ceph RGW test cluster did not start";
        return cluster;
    }

    S3ClientOptions options() const {
        S3ClientOptions options;
        Status parsed = parse_store_url("s3+" + env_.at("RGW_ENDPOINT"), options);
        EXPECT_TRUE(parsed.is_ok()) << parsed.to_string();
        options.credentials.access_key_id = env_.at("RGW_ACCESS_KEY");
        options.credentials.secret_key = env_.at("RGW_SECRET_KEY");
        options.credentials.region = env_.at("RGW_REGION");
        options.backoff_base = std::chrono::milliseconds(20);
        return options;
    }

  private:
    static RgwCluster*& running() {
        static RgwCluster* cluster = nullptr;
        return cluster;
    }
    static std::string script() {
        return std::string(IMGPIPE_SOURCE_DIR) + "/tests/cluster/ceph-rgw.sh";
    }

    bool start() {
        std::string command = script() + " start " + dir_.path() + " >/dev/null";
        if (std::system(command.c_str()) != 0) return false;
        std::ifstream in(dir_.path() + "/rgw.env");
        std::string line;
        while (std::getline(in, line)) {
            auto eq = line.find('=');
            if (eq != std::string::npos) env_[line.substr(0, eq)] = line.substr(eq + 1);
        }
        return env_.count("RGW_ENDPOINT") == 1;
    }

    void stop() {
        std::string command = script() + " stop " + dir_.path();
        (void)std::system(command.c_str());
    }

    TempDir dir_;
    std::map<std::string, std::string> env_;
};

}  // namespace imgpipe::store::s3::testing
