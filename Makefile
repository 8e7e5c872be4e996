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

.PHONY: all core deps test test-nvim demo examples sim bench bench-nvim lint valgrind clean help

all: core

help:
	@echo "make            build the C core for LUA=$(LUA)"
	@echo "make test       run the specs against a simulator started for the run"
	@echo "make test-nvim  the Neovim specs in nvim --headless: with the C core, without it, without cjson"
	@echo "make demo       run examples/quickstart.lua against a simulator"
	@echo "make sim        run the simulator in the foreground (PORT=$(PORT) APIKEYS=$(APIKEYS))"
	@echo "make examples   run every example against a simulator"
	@echo "make bench      benchmarks (batch speedup, request throughput)"
	@echo "make bench-nvim ticks, batch time and CPU share of idcloudhost.async in Neovim"
	@echo "make lint       luacheck"
	@echo "make valgrind   the specs under valgrind (leaks and memory errors are failures)"
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
	sh scripts/with-sim.sh $(SIM_LUA) -- sh -c '$(LUA) $(BUSTED) --exclude-pattern=sim_spec --exclude-pattern=_nvim_spec spec \
	  && $(SIM_LUA) $(BUSTED) spec/sim_spec.lua'

# The Neovim specs inside nvim --headless (Debian's neovim, LuaJIT): with the C core built for
# LuaJIT, with the core hidden (the curl command), with the core and cjson hidden (vim.json).
NVIM_RUN = nvim --headless -u NONE -i NONE -n -c "luafile spec/nvim/run.lua" -c "cquit 3" </dev/null
test-nvim:
	@$(MAKE) --no-print-directory core LUA=luajit
	@sh scripts/deps.sh luajit $(SIM_LUA) neovim curl
	sh scripts/with-sim.sh $(SIM_LUA) -- sh -c 'for m in core spawn nocjson; do \
	  IDCLOUDHOST_NVIM_MODE=$$m $(NVIM_RUN) || exit 1; done'

bench-nvim:
	@$(MAKE) --no-print-directory core LUA=luajit
	@sh scripts/deps.sh luajit $(SIM_LUA) neovim curl
	sh scripts/with-sim.sh $(SIM_LUA) -- sh -c 'for m in core spawn; do \
	  IDCLOUDHOST_NVIM_MODE=$$m nvim --headless -u NONE -i NONE -n -c "luafile bench/nvim/async.lua" -c "cquit 3" </dev/null || exit 1; done'

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
	  $(LUA) $(BUSTED) --exclude-pattern=sim_spec --exclude-pattern=_nvim_spec spec

clean:
	rm -rf build
