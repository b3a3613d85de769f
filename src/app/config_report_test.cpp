#include "app/config_report.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace imgpipe::app {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(ConfigReportTest, ReadmeTableIsTheGeneratedOne) {
    const std::string readme = read_file(std::string(IMGPIPE_SOURCE_DIR) + "/README.md");
    const std::string begin = "<!-- config-table:begin -->\n";
    const std::string end = "<!-- config-table:end -->";
    auto b = readme.find(begin);
    auto e = readme.find(end);
    ASSERT_NE(b, std::string::npos) << "README.md lacks " << begin;
    ASSERT_NE(e, std::string::npos) << "README.md lacks " << end;
    EXPECT_EQ(readme.substr(b + begin.size(), e - b - begin.size()), settings_markdown_table())
        << "README.md's configuration table differs from kSettingDocs: run "
           "scripts/gen-config-table.sh";
}

TEST(ConfigReportTest, TableHasARowPerSettingWithItsEnvironmentVariable) {
    const std::string table = settings_markdown_table();
    EXPECT_NE(
        table.find("| `s3.listen` | `127.0.0.1:9000` | `IMGPIPE_S3_LISTEN` | `--s3-listen` |"),
        std::string::npos)
        << table;
    EXPECT_EQ(static_cast<size_t>(std::count(table.begin(), table.end(), '\n')),
              kSettingDocs.size() + 2);
}

TEST(ConfigReportTest, EachSettingSaysWhereItsValueCameFrom) {
    TempDir dir;
    const std::string file = dir.path() + "/imgpipe.toml";
    std::ofstream(file) << "[upload]\nmax_bytes = \"50MiB\"\n[notify]\nsecret = \"hush-hush\"\n";
    ConfigInputs inputs{file,
                        {{"s3.listen", "127.0.0.1:9100"}},
                        {{"IMGPIPE_LOG_LEVEL", "debug"}, {"IMGPIPE_SECRET_KEY", "s3cr3t-value"}}};
    auto settings = effective_settings(inputs);
    ASSERT_TRUE(settings.is_ok()) << settings.status().to_string();
    auto find = [&](const std::string& key) {
        for (const auto& s : *settings) {
            if (s.key == key) return s;
        }
        ADD_FAILURE() << "no " << key;
        return EffectiveSetting{};
    };
    EXPECT_EQ(find("s3.listen").value, "127.0.0.1:9100");
    EXPECT_EQ(find("s3.listen").origin, "flag");
    EXPECT_EQ(find("log.level").value, "debug");
    EXPECT_EQ(find("log.level").origin, "environment");
    EXPECT_EQ(find("upload.max_bytes").value, "50MiB");
    EXPECT_EQ(find("upload.max_bytes").origin, "file " + file);
    EXPECT_EQ(find("api.listen").value, "127.0.0.1:8080");
    EXPECT_EQ(find("api.listen").origin, "default");
    EXPECT_EQ(find("secret_key").value, "<redacted>");
    EXPECT_EQ(find("notify.secret").value, "<redacted>");
    EXPECT_EQ(settings->size(), kSettingDocs.size());

    const std::string text = format_effective_settings(*settings);
    EXPECT_EQ(text.find("s3cr3t"), std::string::npos);
    EXPECT_EQ(text.find("hush"), std::string::npos);
}

}  // namespace
}  // namespace imgpipe::app
