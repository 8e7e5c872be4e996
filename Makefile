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

# lua/ is the SDK, sim/lua/ the simulator (its own rock), ?.lua the specs' helpers (spec.helper).
export LUA_PATH  := $(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;$(CURDIR)/sim/lua/?.lua;$(CURDIR)/sim/lua/?/init.lua;$(CURDIR)/?.lua;;
export LUA_CPATH := $(CURDIR)/$(BUILD)/?.so;;

.PHONY: all core deps test unit test-fake check-load nvim test-nvim demo examples sim bench bench-nvim lint valgrind hostile asan fuzz clean help test-nginx nginx-deps nginx-core mutate mutate-ci

all: core

help:
	@echo "make            build the C core for LUA=$(LUA)"
	@echo "make test       run the specs against a simulator started for the run"
	@echo "make unit       the families' unit specs on a scripted transport (no simulator)"
	@echo "make test-fake  idcloudhost.fake and the shared scenario on every Lua (FAKE_LUAS), fake and simulator"
	@echo "make nvim       the C core for Neovim (LuaJIT) at lua/idcloudhost/core.so, where 'runtimepath' finds it"
	@echo "make test-nvim  the Neovim specs in nvim --headless: with the C core, without it, without cjson"
	@echo "make demo       run examples/quickstart.lua against a simulator"
	@echo "make sim        run the simulator in the foreground (PORT=$(PORT) APIKEYS=$(APIKEYS) SIM_EDITION=...)"
	@echo "make examples   run every example against a simulator"
	@echo "make bench      benchmarks: calls against their limit (nginx), JSON, the fake's virtual clock, batches, waits (BENCH_ROUNDS=7, BENCH_INSTR=1)"
	@echo "make bench-nvim ticks, batch time and CPU share of idcloudhost.async in Neovim"
	@echo "make lint       luacheck, and every module loaded once (make check-load: on 5.1, 5.4 and LuaJIT)"
	@echo "make valgrind   the specs under valgrind (leaks and memory errors are failures)"
	@echo "make test-nginx the SDK inside a real nginx (ngx_lua), with the C core and without it"
	@echo "make nginx      nginx.conf snippets and an nginx wrapper for the SDK in your own nginx (docs/openresty.md)"
	@echo "make hostile    the SDK against a hostile server, under valgrind (VALGRIND= without)"
	@echo "make asan       the core's specs on an ASan + UBSan build of the core (clang)"
	@echo "make fuzz       libFuzzer on what parses untrusted bytes: answers, JSON, encoders (FUZZ_SECONDS each)"
	@echo "make install    the SDK and the idcloudhost command for LUA without LuaRocks (PREFIX=/usr/local DESTDIR=; make uninstall)"
	@echo "make install-fake idcloudhost.fake and its engine for LUA (make uninstall-fake)"
	@echo "make install-sim the simulator for SIM_LUA (with the engine) and bin/idcloudhost-sim (make uninstall-sim)"
	@echo "make rocks      luarocks make of the three rocks, checked from a clean shell; make check-install likewise"
	@echo "make rockspecs  the rockspecs' module lists from lua/ and sim/lua/, and the release rockspecs"
	@echo "make endpoints  docs/endpoints.md from the endpoint declarations"
	@echo "make doc        the HTML reference (LDoc) in build/doc, and its coverage spec"
	@echo "make types      types/idcloudhost.lua (LuaCATS) from the doc comments"
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

# `luarocks make` (rockspec/idcloudhost-*.rockspec, build type "make") builds the core here with
# the compiler, flags and paths LuaRocks found, then installs it itself.  Always rebuilt: the
# same checkout may be built for another Lua next.
.PHONY: rock
LIBFLAG     ?= -shared
LUA_INCDIR  ?= $(patsubst -I%,%,$(shell pkg-config --cflags-only-I $(LUA_PC)))
CURL_INCDIR ?= /usr/include
CURL_LIBDIR ?= /usr/lib
ZLIB_LIBDIR ?= /usr/lib
rock:
	@mkdir -p build/rock/idcloudhost
	$(CC) $(CFLAGS) $(LIBFLAG) -I$(LUA_INCDIR) -I$(CURL_INCDIR) -o build/rock/idcloudhost/core.so $(SRC) \
	  -L$(CURL_LIBDIR) -L$(ZLIB_LIBDIR) -lcurl -lz

# The SDK specs on $(LUA): every folder of spec/ but the simulator's own (spec/sim, on $(SIM_LUA),
# the Lua that lua-http runs on), the hostile server's (`make hostile`) and the hosts' (nvim, nginx).
SDK_SPECS := $(filter-out spec/sim/ spec/hostile/ spec/nvim/ spec/nginx/ spec/fixtures/,$(wildcard spec/*_spec.lua spec/*/))
test: core
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) jq
	sh scripts/with-sim.sh $(SIM_LUA) -- sh -c '$(LUA) $(BUSTED) $(SDK_SPECS); \
	  sdk=$$?; $(SIM_LUA) $(BUSTED) spec/sim && [ $$sdk = 0 ]'

# The fast specs (spec/unit) on a scripted transport: the core built, no simulator, no lua-http;
# a few seconds on any $(LUA).
unit: $(CORE)
	$(LUA) $(BUSTED) spec/unit

# idcloudhost.fake on every Lua of FAKE_LUAS (the C core built for each): its specs, the clock
# option's, and the shared scenario (spec/fixtures/scenario.lua) against the fake and against a
# simulator started for the run.
FAKE_LUAS ?= lua5.1 lua5.2 lua5.3 lua5.4 luajit
FAKE_SPECS := spec/unit/fake spec/unit/runtime/clock_spec.lua spec/fake spec/examples
test-fake:
	@for l in $(FAKE_LUAS); do $(MAKE) --no-print-directory core LUA=$$l || exit 1; done
	sh scripts/with-sim.sh $(SIM_LUA) -- sh -c 'for l in $(FAKE_LUAS); do echo "== $$l"; \
	  LUA_CPATH="$(CURDIR)/build/$$l/?.so;;" $$l $(BUSTED) $(FAKE_SPECS) || exit 1; done'
# Neovim: the core built for LuaJIT (the ABI of Lua 5.1: LuaJIT's headers, else Lua 5.1's) and
# placed at lua/idcloudhost/core.so (git-ignored), where Neovim's 'runtimepath' loader finds it:
# a plugin manager's `build = "make nvim"` is the whole set-up, no package.cpath edit.  Only a
# compiler, pkg-config and libcurl's and zlib's headers are needed (no package is installed); the
# new file replaces the old one by a rename, so a running Neovim keeps the one it loaded.
NVIM_LUA_CFLAGS = $(shell pkg-config --cflags luajit 2>/dev/null || pkg-config --cflags lua5.1 2>/dev/null \
  || pkg-config --cflags lua-5.1 2>/dev/null || pkg-config --cflags lua51 2>/dev/null)
NVIM_LDFLAGS    = $(if $(filter Darwin,$(shell uname -s)),-undefined dynamic_lookup)
NVIM_BUILD      := build/nvim/idcloudhost/core.so
NVIM_CORE       := lua/idcloudhost/core.so
nvim: $(NVIM_CORE)

$(NVIM_CORE): $(SRC) $(HDR)
	@mkdir -p $(dir $(NVIM_BUILD))
	$(CC) $(CFLAGS) $(WARN) -fPIC -shared $(NVIM_LUA_CFLAGS) $$(pkg-config --cflags libcurl zlib) \
	  -o $(NVIM_BUILD) $(SRC) $$(pkg-config --libs libcurl zlib) $(NVIM_LDFLAGS)
	cp $(NVIM_BUILD) $@.tmp && mv -f $@.tmp $@
	@echo "the C core for Neovim: $@ (restart Neovim to load it)"

# The Neovim specs inside nvim --headless (Debian's neovim, LuaJIT): with the C core built for
# LuaJIT, with the core hidden (the curl command), with the core and cjson hidden (vim.json).
NVIM_RUN = nvim --headless -u NONE -i NONE -n -c "luafile spec/nvim/run.lua" -c "cquit 3" </dev/null
test-nvim:
	@$(MAKE) --no-print-directory core LUA=luajit
	@sh scripts/deps.sh luajit $(SIM_LUA) neovim curl
	@$(MAKE) --no-print-directory nvim
	sh scripts/with-sim.sh $(SIM_LUA) -- sh -c 'for m in core spawn nocjson; do \
	  IDCLOUDHOST_NVIM_MODE=$$m $(NVIM_RUN) || exit 1; done'

bench-nvim:
	@$(MAKE) --no-print-directory core LUA=luajit
	@sh scripts/deps.sh luajit $(SIM_LUA) neovim curl
	sh scripts/with-sim.sh $(SIM_LUA) -- sh -c 'for m in core spawn; do \
	  IDCLOUDHOST_NVIM_MODE=$$m nvim --headless -u NONE -i NONE -n -c "luafile bench/nvim/async.lua" -c "cquit 3" </dev/null || exit 1; done'

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

# bench/limit.sh: the SDK's calls against one reused libcurl handle + cjson.decode, on a local
# nginx (nginx-light) serving static JSON, and inside nginx (bench/ngx_peer.sh: ngx_lua unpacked
# by nginx-core) the ngx transport against lua-resty-http (../shared/peers); then the decoder,
# and the simulator's benches.
# BENCH_INSTR=1 adds callgrind's instruction counts of the calls (steady on a busy machine).
BENCH_ROUNDS ?= 7
bench: core nginx-core
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) nginx-light curl iproute2 $(if $(BENCH_INSTR),valgrind)
	BENCH_INSTR=$(BENCH_INSTR) sh bench/limit.sh $(LUA) $(BENCH_ROUNDS)
	$(LUA) bench/json.lua $(BENCH_ROUNDS)
	$(LUA) bench/fake.lua $(BENCH_ROUNDS)
	sh scripts/with-sim.sh $(SIM_LUA) --client-env -- sh -c 'for b in requests batch waits; do $(LUA) bench/$$b.lua || exit 1; done'

lint: core
	luacheck lua spec bin/idcloudhost-sim bin/idcloudhost examples bench scripts mutate fuzz
	$(LUA) scripts/check-load.lua

# Every module parsed, and required once, on Lua 5.1, 5.4 and LuaJIT (scripts/check-load.lua):
# a broken module fails here, not at the first call that loads it.  IDCLOUDHOST_STRICT=1 does the
# same for a process: every module loaded at require "idcloudhost".
CHECK_LUAS ?= lua5.1 lua5.4 luajit
check-load:
	@for l in $(CHECK_LUAS); do $(MAKE) --no-print-directory -s core LUA=$$l || exit 1; \
	  LUA_CPATH="$(CURDIR)/build/$$l/?.so;;" $$l scripts/check-load.lua || exit 1; done

# The specs under valgrind: a leak or memory error in the C core fails the run.
MEMCHECK := valgrind --quiet --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --suppressions=scripts/valgrind.supp
valgrind: core
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) valgrind
	sh scripts/with-sim.sh $(SIM_LUA) -- $(MEMCHECK) \
	  $(LUA) $(BUSTED) $(SDK_SPECS)

# The SDK against a hostile server of its own (spec/hostile/), under valgrind; `make hostile
# VALGRIND=` runs it bare.  HOSTILE_SLACK: seconds a call may take past its deadline (valgrind
# is slow to start a transfer, so it gets more).  The server needs luaposix for its RSTs.
VALGRIND ?= $(MEMCHECK)
hostile: core
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) lua-posix $(if $(VALGRIND),valgrind)
	HOSTILE_SLACK=$${HOSTILE_SLACK:-$(if $(VALGRIND),4,1.5)} SIM_LUA=$(SIM_LUA) \
	  $(VALGRIND) $(LUA) $(BUSTED) spec/hostile/hostile_spec.lua

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

# The SDK in an nginx of your own (docs/openresty.md, "Installing"): the C core for nginx's
# LuaJIT, then build/nginx/idcloudhost-main.conf and -http.conf (the nginx.conf snippets, printed)
# and build/nginx/nginx, the wrapper to run nginx and nginx -s reload with.  The route is
# OpenResty's, else Debian's installed libnginx-mod-http-lua, else the packages unpacked under
# build/nginx/root (nothing installed); NGX_ROUTE=openresty|debian|unpacked picks one.
.PHONY: nginx
nginx: nginx-core
	sh scripts/nginx.sh . $(NGX_ROOT) $(NGX) $(NGX)/idcloudhost

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
	  $(LUA) $(BUSTED) spec/core/core_spec.lua spec/core/tls_spec.lua

# libFuzzer, with ASan and UBSan, on what parses untrusted bytes, FUZZ_SECONDS for each target:
#   answer_fuzz (src/fuzz/answer_fuzz.c): the core's reading of a server's answer;
#   json_fuzz (fuzz/json_fuzz.c, properties in fuzz/check.lua): core.json, core.escape, core.form.
# Seeds in fuzz/corpus (the API docs' answers among them), what the fuzzers find under
# build/fuzz/, a failing input in build/fuzz/crashes.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all
FUZZ_LIBS    := lua5.4 libcurl zlib

fuzz: build/fuzz/answer_fuzz build/fuzz/json_fuzz
	@mkdir -p build/fuzz/answers build/fuzz/corpus build/fuzz/crashes
	build/fuzz/answer_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
	  -artifact_prefix=build/fuzz/crashes/ build/fuzz/answers
	build/fuzz/json_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	  -dict=fuzz/json.dict -artifact_prefix=build/fuzz/crashes/ -print_final_stats=1 build/fuzz/corpus fuzz/corpus

build/fuzz/answer_fuzz: src/fuzz/answer_fuzz.c $(SRC) $(HDR)
	@sh scripts/deps.sh lua5.4 $(SIM_LUA) clang libclang-rt-14-dev
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $$(pkg-config --cflags $(FUZZ_LIBS)) -o $@ \
	  src/fuzz/answer_fuzz.c src/buffer.c src/codes.c $$(pkg-config --libs $(FUZZ_LIBS))

build/fuzz/json_fuzz: fuzz/json_fuzz.c $(SRC) $(HDR)
	@sh scripts/deps.sh lua5.4 $(SIM_LUA) clang libclang-rt-14-dev
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -DFUZZ_ROOT='"$(CURDIR)"' $$(pkg-config --cflags $(FUZZ_LIBS)) \
	  -o $@ fuzz/json_fuzz.c $(SRC) $$(pkg-config --libs $(FUZZ_LIBS))

# make install: the SDK for $(LUA) without LuaRocks.  Modules go where $(LUA) looks by default:
# with PREFIX the prefix of the Lua package (/usr on Debian), pkg-config's INSTALL_LMOD and
# INSTALL_CMOD; otherwise (PREFIX=/usr/local, the default) PREFIX/share/lua/V and PREFIX/lib/lua/V.
# LMOD= and CMOD= override them; DESTDIR= stages the whole tree elsewhere.  The LuaCATS
# definitions go to PREFIX/share/idcloudhost/types, the idcloudhost command to PREFIX/bin (run by
# $(LUA)).  make install-fake: idcloudhost.fake and the engine for $(LUA); make install-sim: the
# simulator's modules and the engine for $(SIM_LUA) and the idcloudhost-sim command in
# PREFIX/bin.  The file sets match the rocks'.
PREFIX   ?= /usr/local
DESTDIR  ?=
luaver    = $(shell $(1) -e 'io.write((_VERSION:gsub("^Lua ", "")))')
pcvar     = $(shell pkg-config --variable=$(2) $(1) 2>/dev/null)
lmod      = $(or $(and $(filter $(PREFIX),$(call pcvar,$(1),prefix)),$(call pcvar,$(1),INSTALL_LMOD)),$(PREFIX)/share/lua/$(call luaver,$(1)))
cmod      = $(or $(and $(filter $(PREFIX),$(call pcvar,$(1),prefix)),$(call pcvar,$(1),INSTALL_CMOD)),$(PREFIX)/lib/lua/$(call luaver,$(1)))
LMOD     ?= $(call lmod,$(LUA))
CMOD     ?= $(call cmod,$(LUA))
SIM_LMOD ?= $(call lmod,$(SIM_LUA))
# sim/lua/ holds two rocks: the simulator's (the HTTP shell, the control client) and the fake's
# (the engine, idcloudhost.fake: all the rest).
SIM_LUA_FILES := sim/lua/idcloudhost/sim/client.lua sim/lua/idcloudhost/sim/server.lua sim/lua/idcloudhost/simulator.lua
FAKE_LUA_FILES := $(filter-out $(SIM_LUA_FILES),$(shell find sim/lua -name '*.lua' | sort))
FAKE_LMOD ?= $(LMOD)
SDK_LUA_FILES := $(shell find lua -name '*.lua' | sort)
TYPES_DIR = $(PREFIX)/share/idcloudhost/types

.PHONY: install uninstall install-fake uninstall-fake install-sim uninstall-sim install-dirs check-install
install: $(CORE)
	@set -e; for f in $(SDK_LUA_FILES); do install -D -m 644 "$$f" "$(DESTDIR)$(LMOD)/$${f#lua/}"; done
	install -D -m 755 $(CORE) "$(DESTDIR)$(CMOD)/idcloudhost/core.so"
	install -D -m 644 types/idcloudhost.lua "$(DESTDIR)$(TYPES_DIR)/idcloudhost.lua"
	@mkdir -p "$(DESTDIR)$(PREFIX)/bin"
	sed '1s|^#!.*|#!/usr/bin/env $(LUA)|' bin/idcloudhost > "$(DESTDIR)$(PREFIX)/bin/idcloudhost"
	chmod 755 "$(DESTDIR)$(PREFIX)/bin/idcloudhost"
	@echo "installed the SDK for $(LUA): $(DESTDIR)$(LMOD)/idcloudhost, $(DESTDIR)$(CMOD)/idcloudhost/core.so, $(DESTDIR)$(PREFIX)/bin/idcloudhost"

uninstall:
	rm -f $(addprefix "$(DESTDIR)$(LMOD)/,$(addsuffix ",$(patsubst lua/%,%,$(SDK_LUA_FILES))))
	rm -f "$(DESTDIR)$(CMOD)/idcloudhost/core.so" "$(DESTDIR)$(TYPES_DIR)/idcloudhost.lua" "$(DESTDIR)$(PREFIX)/bin/idcloudhost"
	@for d in $$(printf '%s\n' $(sort $(dir $(patsubst lua/%,$(DESTDIR)$(LMOD)/%,$(SDK_LUA_FILES)))) | sort -r) "$(DESTDIR)$(CMOD)/idcloudhost" \
	  "$(DESTDIR)$(TYPES_DIR)" "$(DESTDIR)$(PREFIX)/share/idcloudhost"; do rmdir "$$d" 2>/dev/null || true; done

# The fake for $(LUA): idcloudhost.fake and the engine (make install first: it needs the SDK).
install-fake:
	@set -e; for f in $(FAKE_LUA_FILES); do install -D -m 644 "$$f" "$(DESTDIR)$(FAKE_LMOD)/$${f#sim/lua/}"; done

uninstall-fake:
	rm -f $(addprefix "$(DESTDIR)$(FAKE_LMOD)/,$(addsuffix ",$(patsubst sim/lua/%,%,$(FAKE_LUA_FILES))))
	@for d in "$(DESTDIR)$(FAKE_LMOD)/idcloudhost/sim" "$(DESTDIR)$(FAKE_LMOD)/idcloudhost"; do rmdir "$$d" 2>/dev/null || true; done

# The simulator for $(SIM_LUA): its files and the engine it serves (the fake's files, which
# LuaRocks would install as its dependency), and the command.
install-sim:
	@set -e; for f in $(FAKE_LUA_FILES); do install -D -m 644 "$$f" "$(DESTDIR)$(SIM_LMOD)/$${f#sim/lua/}"; done
	@set -e; for f in $(SIM_LUA_FILES); do install -D -m 644 "$$f" "$(DESTDIR)$(SIM_LMOD)/$${f#sim/lua/}"; done
	install -D -m 755 bin/idcloudhost-sim "$(DESTDIR)$(PREFIX)/bin/idcloudhost-sim"

uninstall-sim:
	rm -f $(addprefix "$(DESTDIR)$(SIM_LMOD)/,$(addsuffix ",$(patsubst sim/lua/%,%,$(FAKE_LUA_FILES) $(SIM_LUA_FILES))))
	rm -f "$(DESTDIR)$(PREFIX)/bin/idcloudhost-sim"
	@for d in "$(DESTDIR)$(SIM_LMOD)/idcloudhost/sim" "$(DESTDIR)$(SIM_LMOD)/idcloudhost"; do rmdir "$$d" 2>/dev/null || true; done

# The reference: LDoc over the modules' doc comments (config.ld) into build/doc, failing on any
# LDoc warning, then the spec that checks every public name has an entry (LDoc runs on Lua 5.1,
# whatever LUA is; lua-discount renders its Markdown).
.PHONY: doc
doc: deps
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) lua-ldoc lua-discount
	ldoc --fatalwarnings .
	$(LUA) $(BUSTED) spec/packaging/doc_spec.lua spec/packaging/types_spec.lua

# types/idcloudhost.lua (LuaCATS, for lua-language-server) from the same doc comments.
.PHONY: types
types: deps
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) lua-ldoc lua-discount
	@mkdir -p build
	ldoc --filter scripts.ldoc_dump.dump . > build/ldoc_dump.lua
	$(LUA) scripts/luacats.lua build/ldoc_dump.lua

# docs/endpoints.md from the modules' endpoint declarations (scripts/endpoints.lua);
# spec/packaging/endpoints_spec.lua fails when it is not current.
.PHONY: endpoints
endpoints:
	$(LUA) scripts/endpoints.lua

# The rocks and make install from a user's side, each checked from clean shells (see the scripts):
# make rocks      luarocks make of the three rocks (offline: --deps-mode=none on Debian's packages)
# make check-install  make install + install-fake + install-sim into a DESTDIR, used, then uninstalled
# make rockspecs  writes the release rockspecs (version.lua's version) from the scm ones
.PHONY: rocks rockspecs
rocks: core
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) luarocks lib$(SIM_LUA)-dev
	PACKAGING_LUA=$(LUA) $(LUA) $(BUSTED) spec/packaging/rockspec_spec.lua spec/packaging/rocks_spec.lua

rockspecs:
	$(LUA) scripts/rockspecs.lua

check-install: core
	PACKAGING_LUA=$(LUA) $(LUA) $(BUSTED) spec/packaging/install_spec.lua

# Where make install puts things (for scripts/check-install.sh).
install-dirs:
	@echo "LMOD=$(LMOD)"; echo "CMOD=$(CMOD)"; echo "FAKE_LMOD=$(FAKE_LMOD)"; echo "SIM_LMOD=$(SIM_LMOD)"; echo "PREFIX=$(PREFIX)"

# Mutation testing (scripts/mutate.lua): each mutant of mutate/mutants.lua is a small change that
# looks like a real bug; it is applied to a scratch copy of the tree and the specs that should
# catch it run there, one mutant at a time (timed specs give false kills side by side).  The run
# fails under MUTATE_MIN percent killed, or when a mutant's text no longer matches the code.
# mutate-ci: the mutants marked subset = true.  ARGS: more options (--only ID,..., --list, ...).
mutate mutate-ci: deps
	@sh scripts/deps.sh $(LUA) $(SIM_LUA) valgrind lua-posix
	MUTATE_LUA=$(LUA) $(LUA) scripts/mutate.lua $(if $(filter mutate-ci,$@),--subset) $(ARGS)

clean:
	rm -rf build $(NVIM_CORE)
