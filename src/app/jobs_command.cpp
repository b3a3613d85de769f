#include "app/jobs_command.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "app/config.h"
#include "app/pipeline_backend.h"
#include "core/clock.h"
#include "core/time_text.h"
#include "pipeline/event_ingress.h"
#include "pipeline/job_json.h"

namespace imgpipe::app {
namespace {

struct JobsArgs {
    std::string config_file;
    std::string data_dir;
    std::string queue;
    std::string state;
    int limit = 50;
    std::string id;
};

// The configured queue and job store, opened as the server opens them.
struct Pipeline {
    Config config;
    std::unique_ptr<queue::EventQueue> queue;
    std::unique_ptr<queue::JobStore> jobs;
};

Result<Pipeline> open_pipeline(const JobsArgs& args) {
    ConfigInputs inputs{args.config_file, {}, process_environment()};
    if (!args.data_dir.empty()) inputs.flags["data_dir"] = args.data_dir;
    if (!args.queue.empty()) inputs.flags["queue.url"] = args.queue;
    IMGPIPE_ASSIGN_OR_RETURN(Config config, load_config(inputs));
    if (config.queue_url == "sqlite") {
        const std::string db = config.data_dir + "/pipeline.db";
        std::FILE* exists = std::fopen(db.c_str(), "r");
        if (exists == nullptr) {
            return not_found("NoPipeline",
                             "no jobs in " + config.data_dir + " (" + db + " is missing)");
        }
        std::fclose(exists);
    }
    IMGPIPE_ASSIGN_OR_RETURN(PipelineBackend b,
                             open_pipeline_backend(config, SystemClock::instance()));
    return Pipeline{std::move(config), std::move(b.queue), std::move(b.jobs)};
}

int fail(const Status& status) {
    std::cerr << "imgpipe jobs: " << status.message() << "\n";
    return status.code() == StatusCode::kNotFound ? 1 : 2;
}

int list_jobs(const JobsArgs& args) {
    std::optional<queue::JobState> state;
    if (!args.state.empty()) {
        state = queue::parse_job_state(args.state);
        if (!state) {
            return fail(invalid_argument("InvalidState", "unknown state '" + args.state + "'"));
        }
    }
    auto p = open_pipeline(args);
    if (!p) return fail(p.status());
    auto jobs = p->jobs->list(state, args.limit);
    if (!jobs) return fail(jobs.status());
    std::printf("%-22s  %-10s  %3s  %-24s  %s\n", "ID", "STATE", "TRY", "UPDATED", "KEY / ERROR");
    for (const auto& j : *jobs) {
        std::string detail = j.key;
        if (!j.error_code.empty()) detail += "  (" + j.error_code + ")";
        std::printf("%-22s  %-10s  %3d  %-24s  %s\n", j.id.c_str(),
                    std::string(queue::job_state_name(j.state)).c_str(), j.attempts,
                    iso8601(j.updated, TimePrecision::kMillis).c_str(), detail.c_str());
    }
    return 0;
}

// The pipeline and the job args.id names.
Result<std::pair<Pipeline, queue::Job>> open_job(const JobsArgs& args) {
    IMGPIPE_ASSIGN_OR_RETURN(Pipeline p, open_pipeline(args));
    auto job = p.jobs->get(args.id);
    if (!job) return job.status().with_context("no job " + args.id);
    return std::pair<Pipeline, queue::Job>{std::move(p), std::move(*job)};
}

// Whether the queue holds `message_id` as a dead letter.
Result<bool> is_dead(queue::EventQueue& queue, const std::string& message_id) {
    IMGPIPE_ASSIGN_OR_RETURN(auto dead, queue.dead_letters(1'000'000));
    return std::any_of(dead.begin(), dead.end(),
                       [&](const queue::DeadLetter& d) { return d.id == message_id; });
}

int show_job(const JobsArgs& args) {
    auto found = open_job(args);
    if (!found) return fail(found.status());
    std::cout << pipeline::job_json(found->second)
                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
    return 0;
}

int retry_job(const JobsArgs& args) {
    auto found = open_job(args);
    if (!found) return fail(found.status());
    auto& [p, job] = *found;
    const std::string message_id = pipeline::message_id_for(job.id, job.sequencer);
    if (job.state == queue::JobState::kProcessing) {
        // Processing with a dead message: its worker died on the last delivery. Otherwise a
        // worker holds it now, and resetting it under that worker would strand it.
        auto dead = is_dead(*p.queue, message_id);
        if (!dead) return fail(dead.status());
        if (!*dead) {
            return fail(Status(StatusCode::kFailedPrecondition, "JobRunning",
                               "job " + args.id + " is being processed; retry it once it ends"));
        }
    }
    auto reset = p.jobs->reset(args.id);
    if (!reset) return fail(reset.status());
    // Its message is dead, or gone (acked), or still queued: requeue, publish, or leave it.
    Status st = p.queue->requeue(message_id);
    if (st.code() == StatusCode::kNotFound) st = p.queue->publish(message_id, reset->event);
    if (!st.is_ok()) return fail(st);
    std::cout << "job " << args.id << " queued again\n";
    return 0;
}

int dead_letters(const JobsArgs& args) {
    auto p = open_pipeline(args);
    if (!p) return fail(p.status());
    auto dead = p->queue->dead_letters(args.limit);
    if (!dead) return fail(dead.status());
    std::printf("%-40s  %4s  %-24s  %s\n", "MESSAGE", "TRY", "DIED", "REASON");
    for (const auto& d : *dead) {
        std::printf("%-40s  %4d  %-24s  %s\n", d.id.c_str(), d.deliveries,
                    iso8601(d.died, TimePrecision::kMillis).c_str(), d.reason.c_str());
    }
    return 0;
}

void common_options(CLI::App* cmd, JobsArgs& args) {
    cmd->add_option("--data-dir", args.data_dir, "Data directory (default ./data)");
    cmd->add_option("--queue", args.queue, "sqlite (default) or redis://HOST:PORT[/DB]");
    cmd->add_option("--config", args.config_file, "TOML configuration file")
        ->check(CLI::ExistingFile);
}

}  // namespace

void add_jobs_command(CLI::App& app, std::function<int()>& action) {
    auto args = std::make_shared<JobsArgs>();
    CLI::App* jobs = app.add_subcommand("jobs", "List, show and retry resize jobs");
    jobs->require_subcommand(1);

    CLI::App* list = jobs->add_subcommand("list", "Jobs, most recently changed first");
    common_options(list, *args);
    list->add_option("--state", args->state, "pending, processing, done or failed");
    list->add_option("--limit", args->limit, "At most this many")->capture_default_str();
    list->callback([args, &action] { action = [args] { return list_jobs(*args); }; });

    CLI::App* show = jobs->add_subcommand("show", "One job as JSON");
    common_options(show, *args);
    show->add_option("id", args->id, "Image id")->required();
    show->callback([args, &action] { action = [args] { return show_job(*args); }; });

    CLI::App* retry = jobs->add_subcommand("retry", "Run a failed (or done) job again");
    common_options(retry, *args);
    retry->add_option("id", args->id, "Image id")->required();
    retry->callback([args, &action] { action = [args] { return retry_job(*args); }; });

    CLI::App* dead = jobs->add_subcommand("dead", "Queue messages that ran out of deliveries");
    common_options(dead, *args);
    dead->add_option("--limit", args->limit, "At most this many")->capture_default_str();
    dead->callback([args, &action] { action = [args] { return dead_letters(*args); }; });
}

}  // namespace imgpipe::app
