#!/usr/bin/env python3
"""Misuse of event_emitter must not compile, and must say why.

Each snippet below is compiled on its own (-fsyntax-only); it must fail, and
the compiler's output must contain the static_assert message we promise. A
control snippet that uses the emitter correctly must compile, so a broken
command line cannot make every check pass.

    compile_fail.py <include dir> <compiler> [compiler arguments...]
"""
import os
import subprocess
import sys
import tempfile

PRELUDE = """
#include <coronet/events/event_emitter.hpp>
#include <string>
#include <string_view>
namespace net = coronet::net;
struct error_info { int code; };
using events = net::event_emitter<net::event<"data", void(std::string_view)>,
                                  net::event<"close", void(bool)>,
                                  net::event<"error", void(const error_info&)>>;
void use(events& e) {
"""

CONTROL = """
  auto id = e.on<"data">([](std::string_view) {});
  e.once<"close">([](auto&&...) {});
  e.emit<"data">("x");
  e.emit<"error">(error_info{1});
  e.off<"data">(id);
"""

# (what is wrong, code inside use(), message the compiler must print)
CASES = [
    ("on with an unknown name", 'e.on<"dta">([](std::string_view) {});', "no such event"),
    ("once with an unknown name", 'e.once<"Close">([](bool) {});', "no such event"),
    ("emit of an unknown name", 'e.emit<"end">();', "no such event"),
    ("off with an unknown name", 'e.off<"end">(net::listener_id{});', "no such event"),
    ("listener_count of an unknown name", 'e.listener_count<"end">();', "no such event"),
    ("a listener of the wrong type", 'e.on<"data">([](int) {});', "listener signature does not match event"),
    ("a listener taking too many arguments", 'e.prepend_listener<"close">([](bool, int) {});',
     "listener signature does not match event"),
    ("a listener that would modify a value argument", 'e.on<"close">([](bool&) {});',
     "listener signature does not match event"),
    ("emit with the wrong arguments", 'e.emit<"close">("x", 2);', "emit arguments do not match"),
    ("an event listed twice", 'net::event_emitter<net::event<"a", void()>, net::event<"a", void(int)>> d;',
     "an event name appears twice"),
    ("a signature that returns a value", 'net::event_emitter<net::event<"a", int()>> d;', "void(Args...)"),
    ("an rvalue-reference argument", 'net::event_emitter<net::event<"a", void(std::string&&)>> d;',
     "rvalue references"),
    ("an unhandled-error handler without an error event",
     'struct no_error : net::event_emitter<net::event<"data", void(std::string_view)>> {\n'
     '  no_error() { set_unhandled_error_handler([](const error_info&) {}); }\n'
     '} d;', 'needs an \\"error\\" event'),
]


def compile_snippet(command, body):
    with tempfile.NamedTemporaryFile("w", suffix=".cpp", delete=False) as f:
        f.write(PRELUDE + body + "\n}\n")
        path = f.name
    try:
        run = subprocess.run(command + [path], capture_output=True, text=True)
        return run.returncode, run.stdout + run.stderr
    finally:
        os.unlink(path)


def main():
    include, compiler = sys.argv[1], sys.argv[2:]
    command = compiler + ["-std=c++20", "-fsyntax-only", "-I", include]
    code, output = compile_snippet(command, CONTROL)
    if code != 0:
        print("the control snippet does not compile:\n" + output)
        return 1
    failures = 0
    for what, body, message in CASES:
        code, output = compile_snippet(command, body)
        if code == 0:
            print(f"FAIL {what}: compiled")
            failures += 1
        elif message not in output:
            print(f"FAIL {what}: no '{message}' in:\n{output}")
            failures += 1
        else:
            print(f"ok   {what}")
    print(f"{len(CASES) - failures} of {len(CASES)} misuses rejected with their message")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
