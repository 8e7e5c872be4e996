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

.PHONY: all core deps test demo examples sim bench lint valgrind fuzz clean help

all: core

help:
	@echo "make            build the C core for LUA=$(LUA)"
	@echo "make test       run the specs against a simulator started for the run"
	@echo "make demo       run examples/quickstart.lua against a simulator"
	@echo "make sim        run the simulator in the foreground (PORT=$(PORT) APIKEYS=$(APIKEYS))"
	@echo "make examples   run every example against a simulator"
	@echo "make bench      benchmarks (batch speedup, request throughput)"
	@echo "make lint       luacheck"
	@echo "make valgrind   the specs under valgrind (leaks and memory errors are failures)"
	@echo "make fuzz       libFuzzer on core.json, escape and form for FUZZ_SECONDS=$(FUZZ_SECONDS) s (clang, ASan, UBSan)"
	@echo "LUA=lua5.4 (default), lua5.1, lua5.3 or luajit selects the interpreter"

deps:
	@sh scripts/deps.sh $(LUA) $(SIM_LUA)

core: deps $(CORE)

$(CORE): $(SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -fPIC -shared $$(pkg-config --cflags $(LUA_PC) libcurl) \
	  -o $@ $(SRC) $$(pkg-config --libs libcurl)

# The SDK specs on $(LUA); the simulator's own spec on $(SIM_LUA), the Lua that lua-http runs on.
test: core
	sh scripts/with-sim.sh $(SIM_LUA) -- sh -c '$(LUA) $(BUSTED) --exclude-pattern=sim_spec spec \
	  && $(SIM_LUA) $(BUSTED) spec/sim_spec.lua'

# The demo's simulator lets status changes take a second, so the waits have something to show.
demo: core
	SIM_SETTLE=$${SIM_SETTLE:-1} sh scripts/with-sim.sh $(SIM_LUA) --client-env -- $(LUA) examples/quickstart.lua

sim: deps
	PORT=$(PORT) APIKEYS=$(APIKEYS) $(SIM_LUA) sim/main.lua

# Every example against a simulator of its own: each must run clean from a fresh start.
examples: core
	@for e in examples/*.lua; do echo "== $$e"; \
	  sh scripts/with-sim.sh $(SIM_LUA) --client-env -- $(LUA) "$$e" >/tmp/idcloudhost-example.log 2>&1 \
	  || { cat /tmp/idcloudhost-example.log; echo "FAILED: $$e"; exit 1; }; done; echo "examples: all ran"

bench: core
	sh scripts/with-sim.sh $(SIM_LUA) --client-env -- sh -c 'for b in bench/*.lua; do $(LUA) "$$b" || exit 1; done'

lint: deps
	luacheck lua spec sim examples bench

# The specs under valgrind: a leak or memory error in the C core fails the run.
valgrind: core
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) valgrind
	sh scripts/with-sim.sh $(SIM_LUA) -- valgrind --quiet --error-exitcode=99 \
	  --leak-check=full --errors-for-leak-kinds=definite,indirect \
	  --suppressions=scripts/valgrind.supp \
	  $(LUA) $(BUSTED) --exclude-pattern=sim_spec spec

# libFuzzer over core.json, core.escape and core.form, with ASan and UBSan, on Lua 5.4: the
# properties are fuzz/check.lua.  Seeds in fuzz/corpus (the API docs' answers among them), what the
# fuzzer finds in build/fuzz/corpus, a failing input in build/fuzz/crashes.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ         := build/fuzz/json_fuzz
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all

fuzz: $(FUZZ)
	@mkdir -p build/fuzz/corpus build/fuzz/crashes
	$(FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 -rss_limit_mb=2048 -dict=fuzz/json.dict \
	  -artifact_prefix=build/fuzz/crashes/ -print_final_stats=1 build/fuzz/corpus fuzz/corpus

$(FUZZ): fuzz/json_fuzz.c $(SRC) $(HDR)
	@sh scripts/deps.sh lua5.4 $(SIM_LUA) clang libclang-rt-14-dev
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -DFUZZ_ROOT='"$(CURDIR)"' $$(pkg-config --cflags lua5.4 libcurl) \
	  -o $@ fuzz/json_fuzz.c $(SRC) $$(pkg-config --libs lua5.4 libcurl)

clean:
	rm -rf build
