#include "app/resize_command.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/status.h"
#include "imaging/image_processor.h"
#include "imaging/resize_spec.h"
#include "imaging/vips/vips_image_processor.h"

namespace imgpipe::app {
namespace {

struct ResizeArgs {
    std::vector<std::string> inputs;
    std::vector<std::string> variants;
    std::string variants_json;  // a file with {"variants": [...]}
    std::string out_dir = ".";
    int64_t max_pixels = imaging::Limits{}.max_pixels;
    int max_pages = imaging::Limits{}.max_pages;
    int64_t max_animation_pixels = imaging::Limits{}.max_animation_pixels;
    double timeout_seconds = 30;
    int variant_threads = 1;
};

Result<imaging::ResizeSpec> load_spec(const ResizeArgs& args) {
    if (!args.variants_json.empty()) {
        if (!args.variants.empty()) {
            return invalid_argument("Usage", "give --variant or --variants-json, not both");
        }
        std::ifstream in(args.variants_json);
        if (!in) return not_found("NoSuchFile", "cannot read " + args.variants_json);
        std::stringstream text;
        text << in.rdbuf();
        return imaging::parse_resize_spec_json_text(text.str());
    }
    if (args.variants.empty()) return imaging::default_resize_spec();
    return imaging::parse_resize_spec(args.variants);
}

Status write_file(const std::filesystem::path& path, const std::string& bytes) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return io_error("cannot write " + path.string());
    return Status::ok();
}

nlohmann::json error_json(const Status& status) {
    return {{"code", std::string(status_code_name(status.code()))},
            {"reason", status.reason()},
            {"message", status.message()}};
}

// Processes one input; returns its report line and whether it succeeded.
std::pair<nlohmann::json, bool> resize_one(const imaging::ImageProcessor& processor,
                                           const std::string& input,
                                           const imaging::ResizeSpec& spec,
                                           const ResizeArgs& args) {
    nlohmann::json line = {{"input", input}};
    const imaging::Limits limits{.max_pixels = args.max_pixels,
                                 .max_pages = args.max_pages,
                                 .max_animation_pixels = args.max_animation_pixels};
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(args.timeout_seconds));
    auto processed = processor.process_file(input, spec, limits, deadline);
    line["ms"] =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!processed.is_ok()) {
        line["error"] = error_json(processed.status());
        return {line, false};
    }
    const auto& info = processed->source;
    line["source"] = {{"format", std::string(imaging::format_name(info.format))},
                      {"width", info.width},
                      {"height", info.height},
                      {"orientation", info.orientation}};
    line["decoded"] = {{"width", processed->decoded.width}, {"height", processed->decoded.height}};
    const std::string stem = std::filesystem::path(input).stem().string();
    nlohmann::json variants = nlohmann::json::array();
    for (const auto& v : processed->variants) {
        const auto path = std::filesystem::path(args.out_dir) / v.name /
                          (stem + std::string(imaging::file_extension(v.format)));
        if (Status written = write_file(path, v.bytes); !written.is_ok()) {
            line["error"] = error_json(written);
            return {line, false};
        }
        variants.push_back({{"name", v.name},
                            {"width", v.width},
                            {"height", v.height},
                            {"bytes", v.bytes.size()},
                            {"content_type", v.content_type},
                            {"frames", v.frames},
                            {"path", path.string()}});
        if (!v.note.empty()) variants.back()["note"] = v.note;
    }
    line["variants"] = variants;
    return {line, true};
}

int run_resize(const ResizeArgs& args) {
    auto spec = load_spec(args);
    if (!spec.is_ok()) {
        std::cerr << "imgpipe resize: " << spec.status().message() << "\n";
        return 2;
    }
    auto processor = imaging::VipsImageProcessor::create(
        {.vips_concurrency = 1, .variant_threads = args.variant_threads});
    if (!processor.is_ok()) {
        std::cerr << "imgpipe resize: " << processor.status().message() << "\n";
        return 1;
    }
    bool all_ok = true;
    for (const auto& input : args.inputs) {
        auto [line, ok] = resize_one(**processor, input, *spec, args);
        all_ok = all_ok && ok;
        std::cout << line.dump() << std::endl;
    }
    return all_ok ? 0 : 1;
}

}  // namespace

void add_resize_command(CLI::App& app, std::function<int()>& action) {
    auto args = std::make_shared<ResizeArgs>();
    CLI::App* cmd = app.add_subcommand(
        "resize", "Make the variants of image files (decode once, every variant)");
    cmd->add_option("inputs", args->inputs, "Image files")->required()->check(CLI::ExistingFile);
    cmd->add_option("--variant,-v", args->variants,
                    "WxH[:fit][:gravity][:format][:qN][:progressive][:enlarge][:#rrggbb]"
                    "[:name=NAME], repeatable (default 400x400 200x200 100x100 cover JPEG q80)");
    cmd->add_option("--variants-json", args->variants_json,
                    "File with {\"variants\": [...]} as the upload API accepts");
    cmd->add_option("--out,-o", args->out_dir, "Output directory")->capture_default_str();
    cmd->add_option("--max-pixels", args->max_pixels, "Refuse images with more pixels")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-pages", args->max_pages, "Refuse images with more pages/frames")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-animation-pixels", args->max_animation_pixels,
                    "Frames x pixels an animated GIF/WebP variant keeps; over it, the first frame")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--timeout", args->timeout_seconds, "Deadline per image, seconds")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--threads", args->variant_threads, "Variants of one image made in parallel")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    cmd->callback([args, &action] { action = [args] { return run_resize(*args); }; });
}

}  // namespace imgpipe::app
