// The coroutine core in one include.
#pragma once

#include <coronet/endpoint.hpp>
#include <coronet/error.hpp>
#include <coronet/keep_alive.hpp>
#include <coronet/listener.hpp>
#include <coronet/loop.hpp>
#include <coronet/receive_buffer.hpp>
#include <coronet/result.hpp>
#include <coronet/spawn.hpp>
#include <coronet/staggered_any.hpp>
#include <coronet/stream_socket.hpp>
#include <coronet/task.hpp>
#include <coronet/timer.hpp>
#include <coronet/when_all.hpp>
#include <coronet/when_any.hpp>
