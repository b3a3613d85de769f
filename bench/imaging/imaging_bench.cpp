// imaging_bench: times imgpipe's decode-once job against libvips' own thumbnail called once per
// variant (anchor (a) of issue 4), in this process, single-threaded, on the same bytes in
// memory. Prints one JSON object per line; bench/imaging/compare.py runs it, adds the
// out-of-process anchors (Pillow, ImageMagick, djpeg) and prints the table.
//
//   imaging_bench [--iterations N] [--only imgpipe|thumbnail|threads] FILE...
//   imaging_bench --serve     reads "imgpipe FILE" / "thumbnail FILE" lines on stdin, runs the
//                             job once and answers one JSON line (lets compare.py interleave
//                             every contender run by run, so load changes hit all alike)

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <vips/vips8>

#include "imaging/vips/vips_image_processor.h"

namespace {

using imgpipe::imaging::ResizeSpec;
using imgpipe::imaging::VipsImageProcessor;

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Median and minimum wall time of `iterations` runs, after one warm-up run.
std::pair<double, double> time_ms(int iterations, const std::function<void()>& run) {
    run();
    std::vector<double> ms;
    for (int i = 0; i < iterations; ++i) {
        const auto start = std::chrono::steady_clock::now();
        run();
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count());
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms.front()};
}

// Anchor (a): one vips_thumbnail_buffer per variant (each decodes, with its own shrink-on-load,
// auto-rotates, crops to the box) and a JPEG q80 save, as an app using libvips naively would.
size_t thumbnail_three(const std::string& bytes, const ResizeSpec& spec) {
    size_t total = 0;
    for (const auto& v : spec.variants) {
        VipsBlob* blob = vips_blob_new(nullptr, bytes.data(), bytes.size());
        vips::VImage thumb =
            vips::VImage::thumbnail_buffer(blob, v.width,
                                           vips::VImage::option()
                                               ->set("height", v.height)
                                               ->set("crop", VIPS_INTERESTING_CENTRE)
                                               ->set("size", VIPS_SIZE_DOWN));
        vips_area_unref(VIPS_AREA(blob));
        VipsBlob* out =
            thumb.jpegsave_buffer(vips::VImage::option()->set("Q", 80)->set("strip", true));
        total += VIPS_AREA(out)->length;
        vips_area_unref(VIPS_AREA(out));
    }
    return total;
}

double elapsed_ms(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

int serve(const VipsImageProcessor& processor, const ResizeSpec& spec) {
    std::map<std::string, std::string> cache;
    std::string method;
    std::string file;
    while (std::cin >> method >> file) {
        if (!cache.count(file)) cache[file] = read_bytes(file);
        const std::string& bytes = cache[file];
        nlohmann::json reply;
        const auto start = std::chrono::steady_clock::now();
        if (method == "imgpipe") {
            auto r = processor.process(bytes, spec, {},
                                       std::chrono::steady_clock::now() + std::chrono::minutes(1));
            reply["ms"] = elapsed_ms(start);
            if (!r.is_ok()) {
                reply["error"] = r.status().to_string();
            } else {
                reply["source"] = {r->source.width, r->source.height};
                reply["decoded"] = {r->decoded.width, r->decoded.height};
                reply["shrink"] = static_cast<int>(
                    std::lround(static_cast<double>(r->source.width) / r->decoded.width));
            }
        } else if (method == "thumbnail") {
            thumbnail_three(bytes, spec);
            reply["ms"] = elapsed_ms(start);
        } else {
            reply["error"] = "unknown method " + method;
        }
        std::cout << reply.dump() << std::endl;
    }
    return 0;
}

long peak_rss_mib() {
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
    int iterations = 15;
    bool serving = false;
    std::string only;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            iterations = std::max(1, std::atoi(argv[++i]));
        } else if (std::strcmp(argv[i], "--serve") == 0) {
            serving = true;
        } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else {
            files.emplace_back(argv[i]);
        }
    }
    auto processor = VipsImageProcessor::create({.vips_concurrency = 1, .variant_threads = 1});
    if (!processor.is_ok()) {
        std::fprintf(stderr, "%s\n", processor.status().to_string().c_str());
        return 1;
    }
    const ResizeSpec spec = imgpipe::imaging::default_resize_spec();
    if (serving) return serve(**processor, spec);
    const auto far = [] { return std::chrono::steady_clock::now() + std::chrono::minutes(1); };

    for (const auto& file : files) {
        const std::string bytes = read_bytes(file);
        if (only.empty() || only == "imgpipe") {
            auto first = (*processor)->process(bytes, spec, {}, far());
            if (!first.is_ok()) {
                std::fprintf(stderr, "%s: %s\n", file.c_str(), first.status().to_string().c_str());
                return 1;
            }
            size_t out_bytes = 0;
            for (const auto& v : first->variants) out_bytes += v.bytes.size();
            auto [median, min] = time_ms(iterations, [&] {
                auto r = (*processor)->process(bytes, spec, {}, far());
                if (!r.is_ok()) std::abort();
            });
            const auto& src = first->source;
            // The block shrink the decoder used (the decoded size is rounded).
            const int shrink = static_cast<int>(
                std::lround(static_cast<double>(src.width) / first->decoded.width));
            std::printf("%s\n",
                        nlohmann::json{{"file", file},
                                       {"method", "imgpipe"},
                                       {"median_ms", median},
                                       {"min_ms", min},
                                       {"source", {src.width, src.height}},
                                       {"decoded", {first->decoded.width, first->decoded.height}},
                                       {"shrink", shrink},
                                       {"output_bytes", out_bytes}}
                            .dump()
                            .c_str());
        }
        if (only.empty() || only == "thumbnail") {
            size_t out_bytes = thumbnail_three(bytes, spec);
            auto [median, min] = time_ms(iterations, [&] { thumbnail_three(bytes, spec); });
            std::printf("%s\n", nlohmann::json{{"file", file},
                                               {"method", "vips_thumbnail_x3"},
                                               {"median_ms", median},
                                               {"min_ms", min},
                                               {"output_bytes", out_bytes}}
                                    .dump()
                                    .c_str());
        }
        if (only.empty() || only == "threads") {
            // Two jobs at once, each on its own thread: images per second.
            constexpr int kThreads = 2;
            const int per_thread = std::max(iterations, 10);
            const auto start = std::chrono::steady_clock::now();
            std::vector<std::thread> threads;
            threads.reserve(kThreads);
            std::atomic<int> failures{0};
            for (int t = 0; t < kThreads; ++t) {
                threads.emplace_back([&] {
                    for (int i = 0; i < per_thread; ++i) {
                        if (!(*processor)->process(bytes, spec, {}, far()).is_ok()) failures++;
                    }
                });
            }
            for (auto& t : threads) t.join();
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            std::printf("%s\n", nlohmann::json{{"file", file},
                                               {"method", "imgpipe_2threads"},
                                               {"images_per_s", kThreads * per_thread / seconds},
                                               {"failures", failures.load()}}
                                    .dump()
                                    .c_str());
        }
    }
    std::printf(
        "%s\n",
        nlohmann::json{{"method", "peak_rss"}, {"only", only}, {"peak_rss_mib", peak_rss_mib()}}
            .dump()
            .c_str());
    return 0;
}
