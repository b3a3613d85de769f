#pragma once
// start_session: serves one accepted HTTP/1.1 connection until it closes (see server.h for the
// behaviour). The session runs as a coroutine on the socket's executor, which must be a
// single-threaded io_context (sessions rely on it instead of a strand). refuse_connection:
// answers a connection over a connection cap with the busy response, reading nothing. Internal
// to the server.

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <utility>  // before Asio: g++ 12 + Boost 1.74 coroutine headers need it

#include "http/server_state.h"

namespace imgpipe::http {

// REQUIRES: state->admit_connection(remote) admitted the connection (the session releases it).
void start_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                   std::string remote);
void refuse_connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                       std::string remote);

}  // namespace imgpipe::http
