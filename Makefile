# Makefile: builds hnsp-installer, its tests and its lab.  One GNU Makefile.
#
#   make            build build/hnsp-installer
#   make deps       install every Debian package the project needs (idempotent)
#   make demo       deps, build, and the main job on the built-in lab
#   make test       deps, build, and every test (ends with "N passed, N failed")
#   make install PREFIX=/usr/local
#   make lab-up | lab-down | lab-status      the built-in lab (tests/lab/lab.sh)
#   V=1             show full command lines

VERSION := 0.1.0
PREFIX ?= /usr/local
DATADIR = $(PREFIX)/share/hnsp-installer
BUILD := build

# Debian packages: to build, to test, to run the lab, and what `bundle` and the
# project CA run.
DEB_BUILD := build-essential pkg-config libssh-dev libyaml-dev libjansson-dev \
	libmicrohttpd-dev libncurses-dev libsodium-dev
DEB_TEST := libcmocka-dev clang libclang-rt-14-dev tmux openssh-client python3 ansible time curl \
	ansible-lint yamllint chromium nodejs wrk
DEB_LAB := mmdebstrap systemd-container iproute2 util-linux procps
DEB_RUN := apt-utils dpkg openssl
DEB_PACKAGES := $(DEB_BUILD) $(DEB_TEST) $(DEB_LAB) $(DEB_RUN)

PKGS := libssh yaml-0.1 jansson libmicrohttpd ncursesw libcrypto libsodium
# Lazy: pkg-config is only asked once a rule needs it, after `make deps`.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes
ALL_CPPFLAGS = -std=c11 -D_GNU_SOURCE -Iinstaller -Itui -DHNSP_VERSION='"$(VERSION)"' \
	-DHNSP_DATADIR='"$(DATADIR)"' $(PKG_CFLAGS) $(CPPFLAGS)
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2)
endif

CORE_SRC := $(filter-out installer/main.c,$(wildcard installer/*.c))
TUI_SRC := $(wildcard tui/*.c)
MAIN_SRC := installer/main.c
UNIT_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(TUI_SRC:%.c=$(BUILD)/obj/%.o) \
	$(MAIN_SRC:%.c=$(BUILD)/obj/%.o)
# What the unit tests link: everything but main().
ASAN_CORE := $(CORE_SRC:%.c=$(BUILD)/obj-asan/%.o) $(TUI_SRC:%.c=$(BUILD)/obj-asan/%.o)
ASAN_OBJ := $(ASAN_CORE) $(MAIN_SRC:%.c=$(BUILD)/obj-asan/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

# Objects that embed the install prefix are rebuilt when PREFIX changes.
$(BUILD)/prefix.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' >$@
$(BUILD)/obj/installer/datadir.o $(BUILD)/obj-asan/installer/datadir.o: $(BUILD)/prefix.stamp

.PHONY: all asan FORCE unit fuzz deps demo test test-run install lab-up lab-down lab-status clean
.DEFAULT_GOAL := all

all: $(BUILD)/hnsp-installer

$(BUILD)/hnsp-installer: $(OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(CFLAGS) $(WARNINGS) -MMD -MP -c -o $@ $<

# The sanitizer build: what every test runs.
asan: $(BUILD)/hnsp-installer-asan

$(BUILD)/hnsp-installer-asan: $(ASAN_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(SANITIZE) -g $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/obj-asan/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$< [asan])
	$(Q)$(CC) $(ALL_CPPFLAGS) -O1 -g $(SANITIZE) $(WARNINGS) -MMD -MP -c -o $@ $<

unit: $(UNIT_BIN)

$(BUILD)/tests/%: tests/unit/%.c $(ASAN_CORE)
	@mkdir -p $(@D)
	$(call say,TEST,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -O1 -g $(SANITIZE) $(WARNINGS) -MMD -MP -o $@ $< $(ASAN_CORE) \
		$(PKG_LIBS) -lcmocka

# libFuzzer harnesses, one per parser (clang only).  The core is compiled
# once for all of them, instrumented but without libFuzzer's main.
FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CORE := $(CORE_SRC:%.c=$(BUILD)/obj-fuzz/%.o)
.SECONDARY: $(FUZZ_CORE)

fuzz: $(FUZZ_BIN)

$(BUILD)/obj-fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$< [fuzz])
	$(Q)clang $(ALL_CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(WARNINGS) -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_CORE)
	@mkdir -p $(@D)
	$(call say,FUZZ,$@)
	$(Q)clang $(ALL_CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer $(WARNINGS) -o $@ $< $(FUZZ_CORE) \
		$(PKG_LIBS)

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' \
		|| echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		if [ "$$(id -u)" -ne 0 ]; then echo "deps: run as root (or with sudo) to install packages" >&2; exit 2; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# The browser tests' driver, playwright-core, from npm at the locked version.
	@if ! cmp -s tests/e2e/package-lock.json tests/e2e/node_modules/.hnsp-lock 2>/dev/null; then \
		echo "deps: npm ci in tests/e2e"; \
		command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
		npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error >/dev/null && \
		cp tests/e2e/package-lock.json tests/e2e/node_modules/.hnsp-lock; \
	fi

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh

test: deps
	@$(MAKE) --no-print-directory test-run

test-run: all asan unit fuzz
	@tests/run

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR) $(DESTDIR)$(DATADIR)/docs
	install -m 0755 $(BUILD)/hnsp-installer $(DESTDIR)$(PREFIX)/bin/hnsp-installer
	cp -R playbooks roles $(DESTDIR)$(DATADIR)/
	install -d $(DESTDIR)$(DATADIR)/inventory
	cp -R inventory/examples $(DESTDIR)$(DATADIR)/inventory/
	install -d $(DESTDIR)$(DATADIR)/installer/web
	install -m 0644 installer/web/index.html installer/web/app.js installer/web/app.css \
		$(DESTDIR)$(DATADIR)/installer/web/
	cp -R docs/. $(DESTDIR)$(DATADIR)/docs/

lab-up lab-down lab-status:
	@tests/lab/lab.sh $(@:lab-%=%)

clean:
	rm -rf $(BUILD)/obj $(BUILD)/obj-asan $(BUILD)/obj-fuzz $(BUILD)/tests $(BUILD)/fuzz \
		$(BUILD)/hnsp-installer $(BUILD)/hnsp-installer-asan

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(FUZZ_CORE:.o=.d) $(UNIT_BIN:=.d)
