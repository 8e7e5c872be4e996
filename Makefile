# idcloudhost: Lua SDK with a C core.  `make help` lists the targets.
LUA      ?= lua5.4
SIM_LUA  ?= lua5.3
PORT     ?= 8090
APIKEYS  ?= demo-key
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra
BUSTED   ?= /usr/bin/busted

# pkg-config names: lua5.1, lua5.3, lua5.4 and luajit match the interpreter names.
LUA_PC   := $(LUA)
BUILD    := build/$(LUA)
CORE     := $(BUILD)/idcloudhost/core.so
SRC      := $(wildcard src/*.c)
HDR      := $(wildcard src/*.h)

export LUA_PATH  := $(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;$(CURDIR)/?.lua;;
export LUA_CPATH := $(CURDIR)/$(BUILD)/?.so;;

.PHONY: all core deps test unit demo examples sim bench lint valgrind hostile asan fuzz clean help test-nginx nginx-deps nginx-core mutate mutate-ci

all: core

help:
	@echo "make            build the C core for LUA=$(LUA)"
	@echo "make test       run the specs against a simulator started for the run"
	@echo "make unit       the families' unit specs on a scripted transport (no simulator)"
	@echo "make demo       run examples/quickstart.lua against a simulator"
	@echo "make sim        run the simulator in the foreground (PORT=$(PORT) APIKEYS=$(APIKEYS) SIM_EDITION=...)"
	@echo "make examples   run every example against a simulator"
	@echo "make bench      benchmarks (batch speedup, request throughput)"
	@echo "make lint       luacheck"
	@echo "make valgrind   the specs under valgrind (leaks and memory errors are failures)"
	@echo "make test-nginx the SDK inside a real nginx (ngx_lua), with the C core and without it"
	@echo "make hostile    the SDK against a hostile server, under valgrind (VALGRIND= without)"
	@echo "make asan       the core's specs on an ASan + UBSan build of the core (clang)"
	@echo "make fuzz       libFuzzer on the core's answer parsing (clang, FUZZ_SECONDS=60)"
	@echo "make mutate     mutation testing: every mutant of mutate/mutants.lua must be caught (MUTATE_MIN=90 %)"
	@echo "make mutate-ci  the mutants marked for CI (a few minutes)"
	@echo "LUA=lua5.4 (default), lua5.1, lua5.3 or luajit selects the interpreter"

deps:
	@sh scripts/deps.sh $(LUA) $(SIM_LUA)

core: deps $(CORE)

$(CORE): $(SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -fPIC -shared $$(pkg-config --cflags $(LUA_PC) libcurl zlib) \
	  -o $@ $(SRC) $$(pkg-config --libs libcurl zlib)

# The SDK specs on $(LUA); the simulator's own specs (spec/sim_*_spec.lua) on $(SIM_LUA), the Lua
# that lua-http runs on.  The hostile spec runs on its own server, in `make hostile`.
test: core
	sh scripts/with-sim.sh $(SIM_LUA) -- sh -c '$(LUA) $(BUSTED) --exclude-pattern=^sim_ --exclude-pattern=hostile_spec spec; \
	  sdk=$$?; $(SIM_LUA) $(BUSTED) --pattern=^sim_.*spec spec && [ $$sdk = 0 ]'

# The fast specs (spec/unit) on a scripted transport: the core built, no simulator, no lua-http;
# a few seconds on any $(LUA).
unit: $(CORE)
	$(LUA) $(BUSTED) spec/unit

# The demo's simulator lets status changes take a second, so the waits have something to show.
# Then scripts/billed.lua fails the run if anything billed was left behind in the simulator.
demo: core
	SIM_SETTLE=$${SIM_SETTLE:-1} sh scripts/with-sim.sh $(SIM_LUA) --client-env -- \
	  sh -c '$(LUA) examples/quickstart.lua && $(LUA) scripts/billed.lua'

sim: deps
	$(SIM_LUA) bin/idcloudhost-sim --port $(PORT) --apikeys $(APIKEYS)

# Every example against a simulator of its own: each must run clean from a fresh start.
examples: core
	@for e in examples/*.lua; do echo "== $$e"; \
	  sh scripts/with-sim.sh $(SIM_LUA) --client-env -- sh -c '$(LUA) "$$0" && $(LUA) scripts/billed.lua' "$$e" \
	  >/tmp/idcloudhost-example.log 2>&1 \
	  || { cat /tmp/idcloudhost-example.log; echo "FAILED: $$e"; exit 1; }; done; echo "examples: all ran"

bench: core
	sh scripts/with-sim.sh $(SIM_LUA) --client-env -- sh -c 'for b in bench/*.lua; do $(LUA) "$$b" || exit 1; done'

lint: deps
	luacheck lua spec bin/idcloudhost-sim examples bench scripts/billed.lua scripts/mutate.lua mutate

# The specs under valgrind: a leak or memory error in the C core fails the run.
MEMCHECK := valgrind --quiet --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --suppressions=scripts/valgrind.supp
valgrind: core
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) valgrind
	sh scripts/with-sim.sh $(SIM_LUA) -- $(MEMCHECK) \
	  $(LUA) $(BUSTED) --exclude-pattern=^sim_ --exclude-pattern=hostile_spec spec

# The SDK against a hostile server of its own (spec/hostile/), under valgrind; `make hostile
# VALGRIND=` runs it bare.  HOSTILE_SLACK: seconds a call may take past its deadline (valgrind
# is slow to start a transfer, so it gets more).  The server needs luaposix for its RSTs.
VALGRIND ?= $(MEMCHECK)
hostile: core
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) lua-posix $(if $(VALGRIND),valgrind)
	HOSTILE_SLACK=$${HOSTILE_SLACK:-$(if $(VALGRIND),4,1.5)} SIM_LUA=$(SIM_LUA) \
	  $(VALGRIND) $(LUA) $(BUSTED) spec/hostile_spec.lua

# Inside nginx: Debian's ngx_lua runs on libluajit2, which conflicts with the luajit package of
# `make test LUA=luajit`, so its packages are unpacked under build/nginx/root (scripts/deps.sh),
# never installed.  The C core for nginx is built against that LuaJIT's headers.
NGX      := build/nginx
NGX_ROOT := $(NGX)/root
NGX_CORE := $(NGX)/idcloudhost/core.so

nginx-deps: deps
	@sh scripts/deps.sh --ngx-lua $(NGX_ROOT) $(LUA) $(SIM_LUA)

nginx-core: nginx-deps $(NGX_CORE)

$(NGX_CORE): $(SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -fPIC -shared -I$(NGX_ROOT)/usr/include/luajit-2.1 $$(pkg-config --cflags libcurl zlib) \
	  -o $@ $(SRC) $$(pkg-config --libs libcurl zlib)

# examples/openresty/nginx.conf in a real nginx (1 worker) against a simulator, with the specs of
# spec/nginx/ driving it over HTTP: once with the C core on nginx's cpath, once without.
test-nginx: nginx-core
	sh scripts/with-sim.sh $(SIM_LUA) -- sh spec/nginx/run.sh $(LUA) $(NGX_ROOT) $(NGX)/idcloudhost
	sh scripts/with-sim.sh $(SIM_LUA) -- sh spec/nginx/run.sh $(LUA) $(NGX_ROOT)

# The core's specs on a clang ASan + UBSan build of the core (LSan reports leaks at exit).
ASAN_CORE := build/asan-$(LUA)/idcloudhost/core.so
asan: deps
	@mkdir -p $(dir $(ASAN_CORE))
	clang -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	  -shared-libasan $(WARN) -fPIC -shared $$(pkg-config --cflags $(LUA_PC) libcurl zlib) \
	  -o $(ASAN_CORE) $(SRC) $$(pkg-config --libs libcurl zlib)
	LD_PRELOAD=$$(clang -print-file-name=libclang_rt.asan-x86_64.so) \
	  LUA_CPATH='$(CURDIR)/build/asan-$(LUA)/?.so;;' UBSAN_OPTIONS=print_stacktrace=1 \
	  $(LUA) $(BUSTED) spec/core_spec.lua spec/core_tls_spec.lua

# libFuzzer on the code that reads a server's bytes (src/fuzz/answer_fuzz.c), for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz: deps
	@mkdir -p build/fuzz/corpus
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  $$(pkg-config --cflags $(LUA_PC) libcurl zlib) -o build/fuzz/answer_fuzz \
	  src/fuzz/answer_fuzz.c src/buffer.c src/codes.c $$(pkg-config --libs $(LUA_PC) libcurl zlib)
	build/fuzz/answer_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/corpus

# Mutation testing (scripts/mutate.lua): each mutant of mutate/mutants.lua is a small change that
# looks like a real bug; it is applied to a scratch copy of the tree and the specs that should
# catch it run there, one mutant at a time (timed specs give false kills side by side).  The run
# fails under MUTATE_MIN percent killed, or when a mutant's text no longer matches the code.
# mutate-ci: the mutants marked subset = true.  ARGS: more options (--only ID,..., --list, ...).
mutate mutate-ci: deps
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) valgrind lua-posix
	MUTATE_LUA=$(LUA) $(LUA) scripts/mutate.lua $(if $(filter mutate-ci,$@),--subset) $(ARGS)

clean:
	rm -rf build
