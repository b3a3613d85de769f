#include "http/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <mutex>
#include <thread>
#include <utility>  // before Asio (see session.h)
#include <vector>

#include "core/log.h"
#include "core/thread_name.h"
#include "http/session.h"

namespace imgpipe::http {

namespace asio = boost::asio;
using asio::ip::tcp;

// One single-threaded io_context per I/O thread: a connection lives on one of them for its
// whole life, so sessions need no strand and an inline request never changes thread.
class Server::Impl {
  public:
    Impl(ServerOptions options, std::shared_ptr<const Router> router, RequestObserver observer)
        : state_(std::make_shared<ServerState>(std::move(options), std::move(router),
                                               std::move(observer))) {}

    Status start();
    uint16_t port() const { return port_; }
    void stop();

  private:
    using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

    asio::awaitable<void> accept_loop();
    Status open_acceptor();
    void log_refusal(ServerState::Admission admission, const std::string& remote);

    std::shared_ptr<ServerState> state_;
    std::vector<std::unique_ptr<asio::io_context>> contexts_;
    std::vector<WorkGuard> guards_;
    std::unique_ptr<tcp::acceptor> acceptor_;
    std::vector<std::thread> threads_;
    std::promise<void> accept_done_;
    size_t next_context_ = 0;
    std::chrono::steady_clock::time_point last_refusal_log_{};  // accept loop only
    uint16_t port_ = 0;
    std::mutex mu_;
    bool started_ = false;  // GUARDED_BY(mu_)
    bool running_ = false;  // GUARDED_BY(mu_)
};

Status Server::Impl::open_acceptor() {
    const ServerOptions& opt = state_->options;
    boost::system::error_code ec;
    tcp::endpoint endpoint;
    auto address = asio::ip::make_address(opt.listen.host, ec);
    if (!ec) {
        endpoint = tcp::endpoint(address, opt.listen.port);
    } else {
        tcp::resolver resolver(*contexts_[0]);
        auto results = resolver.resolve(opt.listen.host, std::to_string(opt.listen.port), ec);
        if (ec || results.empty()) {
            return Status(StatusCode::kUnavailable, "BindFailed",
                          "cannot resolve " + opt.listen.to_string() + ": " + ec.message());
        }
        endpoint = results.begin()->endpoint();
    }
    acceptor_ = std::make_unique<tcp::acceptor>(*contexts_[0]);
    auto fail = [&](const char* what) {
        return Status(StatusCode::kUnavailable, "BindFailed",
                      std::string(what) + " " + opt.listen.to_string() + ": " + ec.message());
    };
    acceptor_->open(endpoint.protocol(), ec);
    if (ec) return fail("cannot open socket for");
    acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail("cannot set SO_REUSEADDR on");
    acceptor_->bind(endpoint, ec);
    if (ec) return fail("cannot bind");
    acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("cannot listen on");
    port_ = acceptor_->local_endpoint(ec).port();
    return Status::ok();
}

Status Server::Impl::start() {
    std::lock_guard lock(mu_);
    if (started_) return Status(StatusCode::kFailedPrecondition, "AlreadyStarted", "start() twice");
    started_ = true;
    const int n = std::max(1, state_->options.io_threads);
    for (int i = 0; i < n; ++i) {
        contexts_.push_back(std::make_unique<asio::io_context>(1));
        guards_.push_back(asio::make_work_guard(*contexts_.back()));
    }
    IMGPIPE_RETURN_IF_ERROR(open_acceptor());
    asio::co_spawn(*contexts_[0], accept_loop(), asio::detached);
    for (auto& context : contexts_) {
        threads_.emplace_back([ctx = context.get(), name = state_->options.name] {
            name_this_thread(name + "-io");
            while (true) {
                try {
                    ctx->run();
                    return;
                } catch (const std::exception& e) {
                    // A handler escaping Asio is a bug somewhere; keep serving the others.
                    log::error("I/O thread caught exception",
                               {{"server", name}, {"error", e.what()}});
                }
            }
        });
    }
    running_ = true;
    log::info("http server listening", {{"server", state_->options.name},
                                        {"address", state_->options.listen.host},
                                        {"port", port_}});
    return Status::ok();
}

asio::awaitable<void> Server::Impl::accept_loop() {
    while (true) {
        boost::system::error_code ec;
        asio::any_io_executor ex = contexts_[next_context_++ % contexts_.size()]->get_executor();
        tcp::socket socket =
            co_await acceptor_->async_accept(ex, asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) {
            boost::system::error_code peer_ec;
            auto peer = socket.remote_endpoint(peer_ec);
            std::string remote = peer_ec ? std::string() : peer.address().to_string();
            auto admission = state_->admit_connection(remote);
            if (admission == ServerState::Admission::kAdmitted) {
                start_session(std::move(socket), state_, std::move(remote));
            } else {
                log_refusal(admission, remote);
                refuse_connection(std::move(socket), state_, std::move(remote));
            }
            continue;
        }
        if (ec == asio::error::operation_aborted || !acceptor_->is_open()) break;
        // Out of descriptors or a transient network error: pause rather than spin.
        log::warn("accept failed", {{"server", state_->options.name}, {"error", ec.message()}});
        asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    accept_done_.set_value();
}

// At most one line a second: a flood of refused connections must not flood the log too.
void Server::Impl::log_refusal(ServerState::Admission admission, const std::string& remote) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ < std::chrono::seconds(1)) return;
    last_refusal_log_ = now;
    const bool total = admission == ServerState::Admission::kOverTotal;
    log::warn("connection refused: too many connections",
              {{"server", state_->options.name},
               {"remote", remote},
               {"cap", total ? "http.max_connections" : "http.max_connections_per_address"},
               {"limit", total ? state_->options.max_connections
                               : state_->options.max_connections_per_address}});
}

void Server::Impl::stop() {
    {
        std::lock_guard lock(mu_);
        if (!running_) return;
        running_ = false;
    }
    const ServerOptions& opt = state_->options;
    state_->stopping = true;
    asio::post(*contexts_[0], [this] {
        boost::system::error_code ec;
        acceptor_->close(ec);
    });
    accept_done_.get_future().wait();

    state_->notify_sessions(false);  // idle keep-alive connections end now
    auto deadline = std::chrono::steady_clock::now() + opt.drain_timeout;
    if (!state_->wait_no_sessions(deadline)) {
        log::warn("drain timeout: closing remaining connections", {{"server", opt.name}});
        state_->notify_sessions(true);
        // Handlers cannot be interrupted; their body reads now fail (after the bytes already
        // received), so they end soon.
        while (
            !state_->wait_no_sessions(std::chrono::steady_clock::now() + std::chrono::seconds(5))) {
            log::warn("still waiting for handlers to return", {{"server", opt.name}});
            state_->notify_sessions(true);
        }
    }
    guards_.clear();
    for (auto& t : threads_) t.join();
    threads_.clear();
    state_->pool.shutdown();
    log::info("http server stopped", {{"server", opt.name}});
}

Server::Server(ServerOptions options, std::shared_ptr<const Router> router,
               RequestObserver observer)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), std::move(observer))) {}

Server::~Server() { stop(); }

Status Server::start() { return impl_->start(); }

uint16_t Server::port() const { return impl_->port(); }

void Server::stop() { impl_->stop(); }

}  // namespace imgpipe::http
