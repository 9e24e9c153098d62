# SPDX-License-Identifier: GPL-2.0-only
#
# xdp-guard: top-level build.  See README.md.
#   make             build the BPF object, the library and the CLI
#   make check       run every test (unit, BPF, man pages, integration, VM)
#   make vmtest      only the VM tests: the dispatcher under Debian's kernels
#                    (KERNEL=6.12 TESTS=name for one kernel or test)
#   make demo        the namespace demo
#   make bench       the benchmark: a Markdown table on stdout, JSON in
#                    bench/results.json (OUT=FILE); QUICK=1 for a short run
#   make bench-accuracy  rate-limit accuracy against issue 4's targets, JSON
#                    in bench/accuracy.json (OUT=FILE); QUICK=1 as above
#   make install     install under $(DESTDIR)$(PREFIX)
#   make deps        install the Debian packages needed (done by the first make)

VERSION := 0.1.0
SUBDIRS := lib guard-bpf guard-loader

all: $(SUBDIRS)

# On a fresh machine the first make installs the Debian packages it needs
# (scripts/install-deps.sh says what it installs), then configures.
config.mk: configure scripts/install-deps.sh
	bash scripts/install-deps.sh
	sh ./configure

deps:
	bash scripts/install-deps.sh

# guard-loader embeds the BPF object and links the library.
guard-loader: lib guard-bpf
$(SUBDIRS): config.mk
	$(MAKE) -C $@

check: all
	$(MAKE) -C tests check

vmtest: all
	$(MAKE) -C tests/vm check

demo: all
	bash scripts/demo.sh

# OUT is made absolute: bench/ runs from its own folder.
bench: all
	@$(MAKE) --no-print-directory -C bench run QUICK="$(QUICK)" $(if $(OUT),OUT="$(abspath $(OUT))")

bench-accuracy: all
	@$(MAKE) --no-print-directory -C bench accuracy QUICK="$(QUICK)" $(if $(OUT),OUT="$(abspath $(OUT))")

-include config.mk
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BPF_OBJECT_DIR ?= $(PREFIX)/lib/bpf
MANDIR ?= $(PREFIX)/share/man

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BPF_OBJECT_DIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 guard-loader/xdp-guard $(DESTDIR)$(SBINDIR)/xdp-guard
	install -m 0644 guard-bpf/xdp_guard.bpf.o $(DESTDIR)$(BPF_OBJECT_DIR)/xdp_guard.bpf.o
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/

clean:
	for d in $(SUBDIRS) tests bench; do $(MAKE) -C $$d clean || exit 1; done

distclean: clean
	rm -f config.mk

.PHONY: all check vmtest demo bench bench-accuracy deps install clean distclean $(SUBDIRS)
