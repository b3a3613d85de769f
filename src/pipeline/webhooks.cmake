# imgpipe_webhooks: WebhookDispatcher (webhook_dispatcher.h), the outgoing notifications of
# DESIGN.md §6: a SQLite outbox (webhook_outbox) and a libcurl sender (webhook_sender) joined by
# one delivery thread. libcurl and OpenSSL stay private: callers see only the port header.
add_library(imgpipe_webhooks
    ${CMAKE_CURRENT_LIST_DIR}/webhook_dispatcher.cpp
    ${CMAKE_CURRENT_LIST_DIR}/webhook_outbox.cpp
    ${CMAKE_CURRENT_LIST_DIR}/webhook_sender.cpp
)
target_link_libraries(imgpipe_webhooks
    PUBLIC imgpipe_core
    PRIVATE CURL::libcurl OpenSSL::Crypto Threads::Threads)

# The tests run a real receiver (the project's own HTTP server) and check signatures with
# OpenSSL directly, not through webhook_signature().
imgpipe_add_test(webhook_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/webhook_dispatcher_test.cpp
    LIBS imgpipe_webhooks imgpipe_http OpenSSL::Crypto)
