# espvis - ESP-NULL visibility for IDS and firewalls.
#
#   make demo     install missing Debian packages, build, run on pcaps/demo.pcap
#   make check    install missing packages, build, run every test, then the
#                 whole suite again under ASan+UBSan (make check SAN=1: only that)
#   make install  PREFIX=/usr/local DESTDIR=
#   make deb      a Debian package (BUILD/espvis_VERSION-1_ARCH.deb)
#
# Libraries come from pkg-config; the build is warning-free or it fails.

PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc

PKGS	 = libpcap libndpi libgcrypt yaml-0.1 libcrypto hiredis libnetfilter_queue \
	   libmicrohttpd
# Debian packages the build needs, and those the tests drive for real.
DEB_BUILD = build-essential pkg-config libpcap-dev libndpi-dev libgcrypt20-dev \
	    libyaml-dev check libssl-dev libhiredis-dev libnetfilter-queue-dev \
	    libmicrohttpd-dev
DEB_TEST  = python3 iptables python3-scapy python3-cryptography tcpdump iproute2 socat iputils-ping strongswan-charon redis-server redis-tools \
	    strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins libndpi-bin tshark tcpreplay \
	    chromium groff-base man-db bsdutils curl

ifeq ($(SAN),1)
BUILD	?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
else
BUILD	?= build
SANFLAGS =
endif

WARN	 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wsign-compare \
	   -Wno-missing-field-initializers
CFLAGS	?= -O2 -g
# Hardening (docs/security.md): fortified libc calls, stack canaries,
# position-independent executable, read-only relocations bound at start.
# The same in the sanitizer build; tests/integration/test_hardening.sh
# checks the binary.
HARDEN	 = -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fPIE
HARDEN_LD = -pie -Wl,-z,relro,-z,now
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) $(HARDEN) -D_GNU_SOURCE \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread \
	   $(HARDEN_LD)
# espvis runs the installed rules when --rules is not given.
# Only src/espvis.c uses it: a PREFIX change (make install PREFIX=...)
# recompiles that one file, not the whole build.
RULES_DIR_DEF = -DESPVIS_RULES_DIR='"$(PREFIX)/share/espvis/rules"'
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

SRC	 = $(sort $(shell find src -name '*.c'))
LIB_SRC	 = $(filter-out src/espvis.c,$(SRC))
LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:%.c=$(BUILD)/%)

.PHONY: all deps deps-test demo check test unit install uninstall clean fuzz programs \
	fuzz-corpus bench deb

all: $(BUILD)/espvis

# V=1 shows the full commands.
ifeq ($(V),1)
Q =
else
Q = @
endif

# Objects are rebuilt when the flags change (SAN=1, HARDEN, CFLAGS): a
# build directory never mixes objects compiled two ways.
FLAGS_NOW := $(ALL_CFLAGS) $(LIBS)
ifneq ($(FLAGS_NOW),$(file <$(BUILD)/.flags))
$(shell mkdir -p $(BUILD))
$(file >$(BUILD)/.flags,$(FLAGS_NOW))
endif

$(BUILD)/%.o: %.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

ifneq ($(PREFIX),$(file <$(BUILD)/.prefix))
$(shell mkdir -p $(BUILD))
$(file >$(BUILD)/.prefix,$(PREFIX))
endif

$(BUILD)/src/espvis.o: src/espvis.c $(BUILD)/.flags $(BUILD)/.prefix
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(RULES_DIR_DEF) -MMD -MP -c -o $@ $<

$(BUILD)/libespvis.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/espvis: $(BUILD)/src/espvis.o $(BUILD)/libespvis.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libespvis.a tests/unit/unit.h \
    $(BUILD)/.flags
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Isrc -o $@ $< $(BUILD)/libespvis.a \
	    $(LIBS) $(CHECK_LIBS) $(UNIT_LDFLAGS)

# test_ike_dos counts the endpoint's allocations (none for a request that
# fails its cookie, RFC 7296 2.6) through wrappers it defines.
$(BUILD)/tests/unit/test_ike_dos: UNIT_LDFLAGS = \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Install what is missing from Debian's archive (root, or sudo when there).
deps:
	@sh tests/deps.sh $(DEB_BUILD)

deps-test:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh $(BUILD)/espvis

# Both builds by default; SAN=1 (or SAN=0) runs only that one.  Each
# build compiles on every CPU (JOBS), then its tests run one at a time.
JOBS	?= $(shell nproc 2>/dev/null || echo 1)
check: deps-test
ifeq ($(origin SAN),undefined)
	@$(MAKE) --no-print-directory -j$(JOBS) programs SAN=0
	@$(MAKE) --no-print-directory test SAN=0
	@$(MAKE) --no-print-directory -j$(JOBS) programs SAN=1
	@$(MAKE) --no-print-directory test SAN=1
else
	@$(MAKE) --no-print-directory -j$(JOBS) programs
	@$(MAKE) --no-print-directory test
endif

programs: all $(UNIT_BIN)

test: all $(UNIT_BIN)
	@sh tests/run.sh $(BUILD)

unit: $(UNIT_BIN)
	@sh tests/run.sh $(BUILD) unit

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/espvis/rules \
	    $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(BUILD)/espvis $(DESTDIR)$(PREFIX)/bin/espvis
	if ls rules/*.yaml >/dev/null 2>&1; then \
	    install -m 0644 rules/*.yaml $(DESTDIR)$(PREFIX)/share/espvis/rules/; fi
	install -m 0644 docs/espvis.8 $(DESTDIR)$(PREFIX)/share/man/man8/espvis.8
	install -m 0644 docs/espvis.yaml.5 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/espvis.yaml.5

# Debian package (contrib/deb/build-deb.sh): the binary relinked for
# PREFIX=/usr (only espvis.c knows the prefix), man pages, rules, example
# configuration, systemd unit.
deb: $(BUILD)/espvis-deb
	@sh contrib/deb/build-deb.sh $(BUILD)

$(BUILD)/espvis-deb: src/espvis.c $(BUILD)/libespvis.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -UESPVIS_RULES_DIR \
	    -DESPVIS_RULES_DIR='"/usr/share/espvis/rules"' -o $@ $^ $(LIBS)

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/espvis $(DESTDIR)$(PREFIX)/share/man/man8/espvis.8 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/espvis.yaml.5
	rm -rf $(DESTDIR)$(PREFIX)/share/espvis

clean:
	rm -rf build build-san build-fuzz

# libFuzzer targets (clang): one per parser (tests/fuzz/README.md).  The
# library is compiled once with the sanitizers and fuzzer-no-link; each
# target runs FUZZ_SECONDS on a working copy of its seed corpus
# (fuzz-corpus: generated from pcaps/, ../shared/pcaps-public, rules/ and
# docs/) after replaying tests/fuzz/regress/.  FUZZ_TARGETS=pipeline ...
# picks some.
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB = $(filter-out src/espvis.c,$(SRC))
FUZZ_SECONDS ?= 20
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_CC	 = clang
FUZZ_CFLAGS = -g -O1 -std=gnu11 -D_GNU_SOURCE -Isrc \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJ = $(FUZZ_LIB:%.c=build-fuzz/obj/%.o)
FUZZ_BIN = $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)

build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	    -MMD -MP -c -o $@ $<

build-fuzz/libespvis.a: $(FUZZ_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

# fuzz_pipeline.c: one nDPI module for every input (see there).
FUZZ_LDFLAGS_pipeline = $(foreach f,init_detection_module \
	   set_protocol_detection_bitmask2 finalize_initialization \
	   exit_detection_module,-Wl,--wrap=ndpi_$(f))

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libespvis.a
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -o $@ $< build-fuzz/libespvis.a $(FUZZ_LDFLAGS_$*) $(LIBS)

-include $(shell find build-fuzz/obj -name '*.d' 2>/dev/null)

fuzz-corpus:
	@/usr/bin/python3 tests/fuzz/mkcorpus.py build-fuzz/corpus

fuzz: $(FUZZ_BIN) fuzz-corpus
	@for n in $(FUZZ_TARGETS); do \
	    sh tests/fuzz/run.sh build-fuzz $$n $(FUZZ_SECONDS) || exit 1; \
	done

# Benchmark: build, generate a large capture under BENCH_DIR, measure espvis
# against a libpcap read loop, tshark and ndpiReader, write bench/results.md
# (bench/run.py).  Takes several minutes; never part of `make check`.
BENCH_DIR	?= /tmp/espvis-bench
BENCH_FRAMES	?= 1200000
BENCH_REPS	?= 5
DEB_BENCH	 = tshark libndpi-bin valgrind linux-perf time python3
BENCH_CFLAGS	 = -std=gnu11 $(WARN) -O2 -g -D_GNU_SOURCE
bench:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_BENCH)
	@$(MAKE) --no-print-directory all
	@mkdir -p $(BUILD)/bench
	$(Q)$(CC) $(BENCH_CFLAGS) -o $(BUILD)/bench/gen_bench bench/gen_bench.c
	$(Q)$(CC) $(BENCH_CFLAGS) $(shell pkg-config --cflags libpcap) \
	    -o $(BUILD)/bench/pcap_floor bench/pcap_floor.c \
	    $(shell pkg-config --libs libpcap)
	/usr/bin/python3 bench/run.py --espvis $(BUILD)/espvis \
	    --tools $(BUILD)/bench --dir $(BENCH_DIR) --frames $(BENCH_FRAMES) \
	    --reps $(BENCH_REPS)
